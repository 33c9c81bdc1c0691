import { PART_BYTES, partCount } from './multipart-upload.js';

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** One PUT of the whole file; curl -T streams it from disk and sends its Content-Length. */
export function singlePutCommand(fileName: string, contentType: string, uploadUrl: string): string {
  return `curl -fsS -T ${quote(fileName)} -H ${quote(`content-type: ${contentType}`)} ${quote(uploadUrl)}`;
}

/**
 * A file above 90 MiB goes in 10 MiB parts, as fal's own client sends it: PUT
 * each part to `{upload path}/{n}{query}`, keep its ETag, then POST the list to
 * `{upload path}/complete{query}`. A short bash script (dd, curl) that does it.
 */
export function multipartScript(fileName: string, uploadUrl: string, size: number): string {
  const url = new URL(uploadUrl);
  // A heredoc runs it in its own bash: `exit` on a failed part leaves the caller's shell alone.
  return [
    "bash -s <<'FAL_UPLOAD'",
    'set -o pipefail',
    `f=${quote(fileName)}; b=${quote(`${url.origin}${url.pathname}`)}; q=${quote(url.search)}; p=`,
    `for n in $(seq 1 ${partCount(size)}); do`,
    `  e=$(dd if="$f" bs=${PART_BYTES} skip=$((n-1)) count=1 2>/dev/null | curl -fsS -X PUT --data-binary @- -D - -o /dev/null "$b/$n$q" | tr -d '\\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' | sed 's/"/\\\\"/g') || exit 1`,
    `  [ -n "$e" ] || { echo "part $n: no ETag" >&2; exit 1; }`,
    `  [ -n "$p" ] && p="$p,"`,
    `  p="$p{\\"partNumber\\":$n,\\"etag\\":\\"$e\\"}"`,
    'done',
    `curl -fsS -X POST -H 'content-type: application/json' --data-binary "{\\"parts\\":[$p]}" "$b/complete$q"`,
    'FAL_UPLOAD',
  ].join('\n');
}

/**
 * When a signed upload URL stops working, if it says: S3-style
 * (`X-Amz-Date` + `X-Amz-Expires`), GCS v4 (`X-Goog-Date` + `X-Goog-Expires`),
 * or an `Expires` epoch (GCS v2, CloudFront). Undefined when it does not say.
 */
export function uploadUrlExpiry(uploadUrl: string): Date | undefined {
  let params: URLSearchParams;
  try {
    params = new URL(uploadUrl).searchParams;
  } catch {
    return undefined;
  }
  const get = (name: string) => {
    for (const [k, value] of params) if (k.toLowerCase() === name) return value;
    return undefined;
  };
  for (const vendor of ['amz', 'goog']) {
    const date = get(`x-${vendor}-date`);
    const expires = Number(get(`x-${vendor}-expires`));
    const m = date ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date) : null;
    if (m && Number.isFinite(expires)) {
      const start = Date.UTC(
        +(m[1] ?? 0),
        +(m[2] ?? 1) - 1,
        +(m[3] ?? 0),
        +(m[4] ?? 0),
        +(m[5] ?? 0),
        +(m[6] ?? 0),
      );
      return new Date(start + expires * 1000);
    }
  }
  const epoch = Number(get('expires'));
  return Number.isInteger(epoch) && epoch > 1e9 ? new Date(epoch * 1000) : undefined;
}
