import type { Config, OAuthConfig } from '../../config.js';
import type { FalClient } from '../../fal/client.js';
import { FalError } from '../../fal/errors.js';
import { fetchPricing } from '../../fal/platform.js';
import { fetchPublicUrl } from '../../net/safe-fetch.js';
import type { SharedStore } from '../../store/store.js';
import { fingerprint } from '../caller.js';
import type { MetadataDocumentFetcher } from './clients.js';
import { OAuthService } from './service.js';

/** A long-lived public endpoint whose price lookup is the cheapest authenticated call fal has. */
const KEY_CHECK_ENDPOINT = 'fal-ai/flux/dev';

/** Sign-in: sealed grants, the key checked with fal, client documents fetched through the SSRF guard. */
export function createOAuthService(
  config: Config,
  oauth: Extract<OAuthConfig, { enabled: true }>,
  fal: FalClient,
  store: SharedStore,
  fetchMetadataDocument?: MetadataDocumentFetcher,
): OAuthService {
  return new OAuthService({
    store,
    secrets: oauth.secrets,
    publicUrl: config.publicUrl,
    accessSeconds: oauth.accessTokenSeconds,
    refreshSeconds: oauth.refreshTokenSeconds,
    fetchMetadataDocument:
      fetchMetadataDocument ??
      (async (url) => {
        const file = await fetchPublicUrl(url, {
          maxBytes: 16 * 1024,
          timeoutMs: 5000,
          maxRedirects: 0,
          allowHosts: config.fetchAllowHosts,
        });
        return JSON.parse(file.bytes.toString('utf8')) as unknown;
      }),
    checkKey: async (key) => {
      try {
        // Counted against the pasted key's own tenant: a refused or slow key pauses only itself.
        await fetchPricing(fal, [KEY_CHECK_ENDPOINT], { key, tenant: fingerprint(key) });
        return 'accepted';
      } catch (error) {
        if (!(error instanceof FalError)) throw error;
        if (error.kind === 'auth') return 'refused';
        // 404/422 still means fal authenticated the key; anything else says nothing about it.
        return error.kind === 'not_found' || error.kind === 'validation' ? 'accepted' : 'unavailable';
      }
    },
  });
}
