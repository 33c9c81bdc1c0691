import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { Secret } from './secret.js';

/**
 * Authenticated encryption of small JSON payloads into opaque strings
 * (AES-256-GCM, a key per operator secret derived with HKDF). The first secret
 * seals, every listed secret opens, so secrets rotate without logging anyone out.
 *
 * Shape: `<kind>.<key id>.<base64url(iv ‖ ciphertext ‖ tag)>`. The kind is
 * authenticated too (it is the AAD), so a refresh token can never be replayed
 * as an access token or a code as a client id.
 */
export class Sealer {
  readonly #keys: { id: string; key: Buffer }[];

  /** `domain` keeps keys apart where one secret might serve two purposes. */
  constructor(secrets: readonly Secret[], domain = 'fal-mcp-oauth') {
    if (secrets.length === 0) throw new Error('Sealer needs at least one secret');
    this.#keys = secrets.map((secret) => {
      const key = Buffer.from(hkdfSync('sha256', secret.reveal(), domain, 'seal v1', 32));
      // A short public id picks the right key without trying each one; it says nothing about the key.
      const id = createHash('sha256').update(key).digest('base64url').slice(0, 8);
      return { id, key };
    });
  }

  seal(kind: string, payload: object): string {
    const signing = this.#keys[0];
    if (!signing) throw new Error('no sealing key');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', signing.key, iv);
    cipher.setAAD(Buffer.from(kind));
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
    return `${kind}.${signing.id}.${sealed}`;
  }

  /** The payload, or undefined for anything not sealed by one of our secrets as this kind. */
  open(kind: string, token: string): unknown {
    const [tokenKind, id, sealed, ...rest] = token.split('.');
    if (tokenKind !== kind || !id || !sealed || rest.length > 0) return undefined;
    const entry = this.#keys.find((k) => k.id === id);
    if (!entry) return undefined;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 12 + 16 + 2) return undefined;
    // Only the canonical encoding: the last character's unused bits (and stray characters,
    // which Buffer skips) would otherwise let several strings open as one token.
    if (raw.toString('base64url') !== sealed) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(kind));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  }
}
