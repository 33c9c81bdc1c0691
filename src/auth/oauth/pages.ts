/** The two pages a person sees during sign-in: the consent form and a clear failure. */

export interface ConsentPageInput {
  /** This server's public origin, shown so the user knows who will hold the key. */
  serverOrigin: string;
  /** The name the client gave itself: shown, but marked as not verified by anyone. */
  clientName: string | undefined;
  clientId: string;
  redirectUri: string;
  sealedRequest: string;
  error?: string;
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,-apple-system,Segoe UI,sans-serif}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f4f6}
main{max-width:30rem;margin:2rem;padding:2rem;border-radius:12px;background:#fff;box-shadow:0 2px 16px #0001}
h1{font-size:1.3rem;margin:0 0 1rem}
p,li{line-height:1.5;color:#333}
code{background:#f0f0f3;padding:0 .25rem;border-radius:4px;word-break:break-all}
label{display:block;font-weight:600;margin:1.25rem 0 .4rem}
input[type=password]{box-sizing:border-box;width:100%;padding:.6rem;font:inherit;border:1px solid #bbb;border-radius:8px}
.actions{display:flex;flex-direction:row-reverse;gap:.75rem;margin-top:1.25rem}
button{flex:1;padding:.65rem;font:inherit;font-weight:600;border-radius:8px;border:1px solid #bbb;background:#fff;cursor:pointer}
button.primary{background:#5b3df5;border-color:#5b3df5;color:#fff}
.error{padding:.75rem;border-radius:8px;background:#fdecec;color:#8a1c1c}
.small{font-size:.85rem;color:#666}
.tag{font-size:.75rem;font-weight:600;padding:.1rem .4rem;border-radius:4px;background:#fff4d6;color:#7a5200;white-space:nowrap}
.dest{padding:.75rem;border-radius:8px;background:#f0f0f3}
@media (prefers-color-scheme:dark){body{background:#15151a}main{background:#202028}p,li{color:#ddd}code{background:#2c2c36}.small{color:#aaa}button{background:#2c2c36;color:#eee}.dest{background:#2c2c36}.tag{background:#4a3a10;color:#ffd98a}}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export function consentPage(input: ConsentPageInput): string {
  // Anyone can register a client under any name: the name is the client's claim, the
  // destination is the fact that matters.
  const who = input.clientName
    ? `A client calling itself <strong>${esc(input.clientName)}</strong> <span class="tag">name not verified</span>`
    : 'An MCP client';
  const redirectHost = safeHost(input.redirectUri);
  return page(
    'Connect to fal',
    // Allow comes first in the markup (shown second) so Enter in the key field allows, not cancels.
    `<h1>Connect an MCP client to fal</h1>
<p>${who} wants to discover and run fal models on your behalf through the MCP server at <code>${esc(input.serverOrigin)}</code>.</p>
<p class="dest">If you allow it, you are sent back to <strong><code>${esc(redirectHost)}</code></strong> with access to your fal account. Continue only if you started this sign-in from that app.</p>
<ul>
<li>Your fal key is checked once with fal, then <strong>encrypted into the access token</strong> given to the client. This server <strong>does not store it</strong>; it decrypts the token on each request to call fal for you.</li>
<li>Runs are billed to your fal account. To revoke access, delete the key in your <a href="https://fal.ai/dashboard/keys" target="_blank" rel="noopener noreferrer">fal dashboard</a>.</li>
</ul>
${input.error ? `<p class="error" role="alert">${esc(input.error)}</p>` : ''}
<form method="post" action="/authorize" autocomplete="off">
<input type="hidden" name="request" value="${esc(input.sealedRequest)}">
<label for="fal_key">fal key</label>
<input type="password" id="fal_key" name="fal_key" placeholder="key-id:key-secret" autocomplete="off" spellcheck="false" required autofocus>
<div class="actions">
<button type="submit" name="action" value="allow" class="primary">Allow</button>
<button type="submit" name="action" value="deny" formnovalidate>Cancel</button>
</div>
</form>
<p class="small">Client id: <code>${esc(shorten(input.clientId))}</code></p>`,
  );
}

export function errorPage(title: string, message: string, next: string): string {
  return page(
    title,
    `<h1>${esc(title)}</h1><p class="error" role="alert">${esc(message)}</p><p>${esc(next)}</p>`,
  );
}

/** Sign-in pages are never cached (framing, scripts: see http/middleware/security-headers.ts). */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
};

function safeHost(uri: string): string {
  try {
    const url = new URL(uri);
    return url.host ? `${url.protocol}//${url.host}` : url.protocol;
  } catch {
    return uri;
  }
}

function shorten(id: string): string {
  return id.length > 60 ? `${id.slice(0, 28)}…${id.slice(-12)}` : id;
}
