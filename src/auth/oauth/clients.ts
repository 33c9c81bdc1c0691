import * as v from 'valibot';
import { isLoopbackHost } from '../../lib/loopback.js';
import { LruTtlCache } from '../../lib/lru.js';
import type { Sealer } from '../../lib/seal.js';

/** A client the authorization server will talk to, however it registered. */
export interface OAuthClient {
  clientId: string;
  name: string | undefined;
  redirectUris: readonly string[];
}

/** Fetches a Client ID Metadata Document; production goes through the SSRF-guarded fetcher. */
export type MetadataDocumentFetcher = (url: string) => Promise<unknown>;

export type ClientLookup = { ok: true; client: OAuthClient } | { ok: false; description: string };

const CLIENT_KIND = 'fmcp_client';
/** Desktop apps whose own single-word schemes are well known (RFC 8252 asks for reverse-domain ones). */
const KNOWN_APP_SCHEMES = new Set([
  'cursor',
  'vscode',
  'vscode-insiders',
  'vscodium',
  'windsurf',
  'claude',
  'zed',
  'goose',
]);
// A reverse domain name, as RFC 8252 §7.1 asks of private-use schemes: com.example.app.
const REVERSE_DOMAIN = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/;

/**
 * Where an authorization response may be sent, by allowlist: https anywhere,
 * http only to this machine (RFC 8252 loopback redirects), a native app's
 * private-use scheme (reverse-domain, or one of the known app schemes such as
 * cursor:// and vscode://). Everything else (javascript:, data:, chrome:,
 * view-source:, jar:, about:, blob:, file:, …) is refused. Never a fragment.
 */
export function redirectUriProblem(raw: string): string | undefined {
  if (raw.length > 2000) return 'is longer than 2000 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.hash) return 'must not contain a fragment';
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'https') return undefined;
  if (scheme === 'http') {
    return isLoopbackHost(url.hostname) ? undefined : 'may use http only for localhost or 127.0.0.1';
  }
  if (KNOWN_APP_SCHEMES.has(scheme) || REVERSE_DOMAIN.test(scheme)) return undefined;
  return `uses the ${scheme}: scheme, which is not allowed (use https, http on localhost, or an app's own scheme such as com.example.app:/callback)`;
}

const RedirectUris = v.pipe(
  v.array(v.string('each redirect_uri must be a string')),
  v.minLength(1, 'redirect_uris must list at least one URI'),
  v.maxLength(10, 'redirect_uris may list at most 10 URIs'),
);

/** RFC 7591 request fields we read; anything else is ignored, as the RFC allows. */
const RegistrationRequest = v.object({
  redirect_uris: RedirectUris,
  client_name: v.optional(v.pipe(v.string(), v.maxLength(200, 'client_name is longer than 200 characters'))),
  grant_types: v.optional(v.array(v.string())),
  response_types: v.optional(v.array(v.string())),
  scope: v.optional(v.string()),
});

const MetadataDocument = v.object({
  client_id: v.string(),
  redirect_uris: RedirectUris,
  client_name: v.optional(v.string()),
  token_endpoint_auth_method: v.optional(v.string()),
});

const SealedRegistration = v.object({ r: v.array(v.string()), n: v.optional(v.string()), i: v.number() });

export type Registration =
  | { ok: true; response: Record<string, unknown> }
  | { ok: false; error: 'invalid_client_metadata' | 'invalid_redirect_uri'; description: string };

/**
 * Clients come two ways, neither stored: Dynamic Client Registration, whose
 * whole registration is sealed into the client_id it returns, and Client ID
 * Metadata Documents, where the client_id is an https URL we fetch (cached briefly).
 */
export class ClientDirectory {
  readonly #documents = new LruTtlCache<string, OAuthClient>(1000, 5 * 60_000);

  constructor(
    private readonly sealer: Sealer,
    private readonly fetchDocument: MetadataDocumentFetcher,
    private readonly now: () => number = Date.now,
  ) {}

  register(body: unknown): Registration {
    const parsed = v.safeParse(RegistrationRequest, body);
    if (!parsed.success) {
      return { ok: false, error: 'invalid_client_metadata', description: parsed.issues[0].message };
    }
    const request = parsed.output;
    for (const uri of request.redirect_uris) {
      const problem = redirectUriProblem(uri);
      if (problem)
        return { ok: false, error: 'invalid_redirect_uri', description: `redirect_uri ${problem}` };
    }
    const grants = request.grant_types ?? ['authorization_code', 'refresh_token'];
    const unsupported = grants.find((g) => g !== 'authorization_code' && g !== 'refresh_token');
    if (unsupported) {
      return {
        ok: false,
        error: 'invalid_client_metadata',
        description: `grant type ${unsupported} is not supported; use authorization_code and refresh_token`,
      };
    }
    const issuedAt = Math.floor(this.now() / 1000);
    const clientId = this.sealer.seal(CLIENT_KIND, {
      r: request.redirect_uris,
      ...(request.client_name ? { n: request.client_name } : {}),
      i: issuedAt,
    });
    return {
      ok: true,
      response: {
        client_id: clientId,
        client_id_issued_at: issuedAt,
        redirect_uris: request.redirect_uris,
        ...(request.client_name ? { client_name: request.client_name } : {}),
        grant_types: grants,
        response_types: ['code'],
        // Public clients only: PKCE protects the code, and there is no secret to store.
        token_endpoint_auth_method: 'none',
        ...(request.scope ? { scope: request.scope } : {}),
      },
    };
  }

  async resolve(clientId: string): Promise<ClientLookup> {
    if (clientId.startsWith('https://')) return this.#fromDocument(clientId);
    const parsed = v.safeParse(SealedRegistration, this.sealer.open(CLIENT_KIND, clientId));
    if (!parsed.success) {
      return {
        ok: false,
        description: 'This client_id was not issued by this server. Register the client again.',
      };
    }
    return { ok: true, client: { clientId, name: parsed.output.n, redirectUris: parsed.output.r } };
  }

  async #fromDocument(url: string): Promise<ClientLookup> {
    const cached = this.#documents.get(url);
    if (cached) return { ok: true, client: cached };
    if (new URL(url).pathname === '/') {
      return { ok: false, description: 'A client_id URL must have a path (Client ID Metadata Document).' };
    }
    let body: unknown;
    try {
      body = await this.fetchDocument(url);
    } catch (error) {
      const why = error instanceof Error ? error.message : 'unknown error';
      return { ok: false, description: `Could not fetch the client's metadata document: ${why}` };
    }
    const parsed = v.safeParse(MetadataDocument, body);
    if (!parsed.success) {
      return {
        ok: false,
        description: `The client's metadata document is invalid: ${parsed.issues[0].message}.`,
      };
    }
    const doc = parsed.output;
    if (doc.client_id !== url) {
      return {
        ok: false,
        description: "The client's metadata document names a different client_id than its URL.",
      };
    }
    if (doc.token_endpoint_auth_method && doc.token_endpoint_auth_method !== 'none') {
      return {
        ok: false,
        description: `token_endpoint_auth_method ${doc.token_endpoint_auth_method} is not supported; public clients use none.`,
      };
    }
    const bad = doc.redirect_uris.find((uri) => redirectUriProblem(uri) !== undefined);
    if (bad !== undefined) {
      return {
        ok: false,
        description: `The client's metadata document has a redirect_uri that ${redirectUriProblem(bad)}.`,
      };
    }
    const client: OAuthClient = { clientId: url, name: doc.client_name, redirectUris: doc.redirect_uris };
    this.#documents.set(url, client);
    return { ok: true, client };
  }
}
