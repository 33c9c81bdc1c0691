import { createHash, randomBytes } from 'node:crypto';
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';

export const TEST_OAUTH_SECRET = 'test-oauth-secret-0123456789-abcdefghij';
export const OTHER_OAUTH_SECRET = 'another-oauth-secret-9876543210-zyxwvuts';

/**
 * What an MCP host keeps between the redirect and the callback, in memory:
 * the SDK client drives discovery, registration, PKCE and refresh through it.
 */
export class MemoryOAuthProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  #client: StoredOAuthClientInformation | undefined;
  #tokens: StoredOAuthTokens | undefined;
  #verifier = '';
  #discovery: OAuthDiscoveryState | undefined;

  readonly clientMetadataUrl?: string;

  constructor(
    readonly redirectUrl: string,
    clientMetadataUrl?: string,
  ) {
    if (clientMetadataUrl) this.clientMetadataUrl = clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Vitest MCP host',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  discoveryState() {
    return this.#discovery;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.#discovery = state;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'client') this.#client = undefined;
  }
}

export interface ConsentForm {
  status: number;
  html: string;
  sealedRequest: string;
  cookie: string;
}

/** GET the authorization URL like a browser: the page, its hidden field and the CSRF cookie. */
export async function openConsent(
  fetchFn: typeof fetch,
  authorizationUrl: URL | string,
): Promise<ConsentForm> {
  const res = await fetchFn(String(authorizationUrl), { redirect: 'manual' });
  const html = await res.text();
  const sealedRequest = /name="request" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { status: res.status, html, sealedRequest, cookie };
}

/** Submit the consent form; returns the raw response (a 303 to the client on success). */
export function submitConsent(
  fetchFn: typeof fetch,
  base: string,
  form: ConsentForm,
  fields: { fal_key?: string; action?: 'allow' | 'deny' },
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  return fetchFn(`${base}/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie, ...extraHeaders },
    body: new URLSearchParams({
      request: form.sealedRequest,
      action: fields.action ?? 'allow',
      ...(fields.fal_key !== undefined ? { fal_key: fields.fal_key } : {}),
    }),
  });
}

/** The whole consent step: open the page, paste the key, follow nothing; returns the callback params. */
export async function consentWithKey(
  fetchFn: typeof fetch,
  base: string,
  authorizationUrl: URL | string,
  key: string,
): Promise<URLSearchParams> {
  const form = await openConsent(fetchFn, authorizationUrl);
  const res = await submitConsent(fetchFn, base, form, { fal_key: key });
  const location = res.headers.get('location');
  if (res.status !== 303 || !location)
    throw new Error(`consent failed with ${res.status}: ${await res.text()}`);
  return new URL(location).searchParams;
}

/**
 * A public client's sign-in by hand: register, consent with `key`, and return
 * the authorization code with what exchanging it needs.
 */
export async function authorizationCode(
  fetchFn: typeof fetch,
  base: string,
  key: string,
  redirectUri = 'http://127.0.0.1:43123/callback',
): Promise<{ code: string; exchange: Record<string, string> }> {
  const registered = await fetchFn(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Test client', redirect_uris: [redirectUri] }),
  });
  const { client_id } = (await registered.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const url = `${base}/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id,
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'st',
    resource: `${base}/mcp`,
  })}`;
  const code = (await consentWithKey(fetchFn, base, url, key)).get('code') ?? '';
  return {
    code,
    exchange: {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id,
      redirect_uri: redirectUri,
    },
  };
}
