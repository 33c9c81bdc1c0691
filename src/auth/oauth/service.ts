import { Sealer } from '../../lib/seal.js';
import type { Secret } from '../../lib/secret.js';
import type { SharedStore } from '../../store/store.js';
import { ClientDirectory, type MetadataDocumentFetcher } from './clients.js';
import { type Grant, GrantSealer, type Opened } from './grants.js';
import { RefreshLedger } from './refresh-ledger.js';
import { UsedCodes } from './replay.js';

/** What checking a pasted fal key with fal told us. */
export type KeyCheck = 'accepted' | 'refused' | 'unavailable';

export interface OAuthServiceOptions {
  /** The first seals; all open (rotation). */
  secrets: readonly Secret[];
  /** This server's public base URL; unset on loopback, where the request's origin is used. */
  publicUrl: string | undefined;
  accessSeconds: number;
  refreshSeconds: number;
  fetchMetadataDocument: MetadataDocumentFetcher;
  /** One cheap authenticated fal call, before any code is issued. */
  checkKey: (key: Secret) => Promise<KeyCheck>;
  /** Where used authorization codes are remembered (shared across machines with Redis). */
  store: SharedStore;
  now?: () => number;
}

export const MCP_PATH = '/mcp';
export const CODE_SECONDS = 60;

/**
 * The authorization server and the resource server's token check, with no
 * state of its own beyond the used-code set (in the shared store): every grant is sealed.
 */
export class OAuthService {
  readonly grants: GrantSealer;
  readonly clients: ClientDirectory;
  readonly usedCodes: UsedCodes;
  readonly refreshes: RefreshLedger;
  readonly checkKey: (key: Secret) => Promise<KeyCheck>;
  readonly #publicUrl: string | undefined;

  constructor(options: OAuthServiceOptions) {
    const sealer = new Sealer(options.secrets);
    const now = options.now ?? Date.now;
    this.grants = new GrantSealer(
      sealer,
      {
        accessSeconds: options.accessSeconds,
        refreshSeconds: options.refreshSeconds,
        codeSeconds: CODE_SECONDS,
        consentSeconds: 600,
      },
      now,
    );
    this.clients = new ClientDirectory(sealer, options.fetchMetadataDocument, now);
    this.usedCodes = new UsedCodes(options.store, now);
    this.refreshes = new RefreshLedger(options.store, now);
    this.checkKey = options.checkKey;
    this.#publicUrl = options.publicUrl;
  }

  /** The issuer: PUBLIC_URL, or (loopback only, checked at start) the origin the request came to. */
  issuer(requestUrl: string): string {
    return this.#publicUrl ?? new URL(requestUrl).origin;
  }

  /** The RFC 8707 resource tokens are bound to: the MCP endpoint's URL. */
  resource(requestUrl: string): string {
    return `${this.issuer(requestUrl)}${MCP_PATH}`;
  }

  /** RFC 9728 metadata URL for the MCP endpoint (what the 401 challenge points at). */
  resourceMetadataUrl(requestUrl: string): string {
    return `${this.issuer(requestUrl)}/.well-known/oauth-protected-resource${MCP_PATH}`;
  }

  verifyAccessToken(token: string, requestUrl: string): Opened<Grant> {
    return this.grants.openAccess(token, this.resource(requestUrl));
  }
}
