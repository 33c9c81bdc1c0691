import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { openConsent, submitConsent, TEST_OAUTH_SECRET } from '../helpers/oauth.js';

const BASE = new URL(IN_PROCESS_URL).origin;
const REDIRECT = 'http://127.0.0.1:43123/callback';

/** The consent page checks pasted keys at fal: it must not become a way to test stolen keys in bulk. */
describe('the sign-in page is no key oracle', () => {
  let h: Harness;
  let authorizeUrl = '';
  const keyChecks = () => h.emulator.faults.callsTo('pricing').length;
  beforeAll(async () => {
    h = await startHarness({ env: { OAUTH_SECRET: TEST_OAUTH_SECRET } });
    const registered = await h.inProcessFetch(`${BASE}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Guesser', redirect_uris: [REDIRECT] }),
    });
    const { client_id } = (await registered.json()) as { client_id: string };
    authorizeUrl = `${BASE}/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id,
      redirect_uri: REDIRECT,
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'st',
      resource: `${BASE}/mcp`,
    })}`;
  });
  afterAll(() => h.close());

  it('40 keys pasted at once from one address: at most 10 reach fal, the rest are told how long to wait', async () => {
    const form = await openConsent(h.inProcessFetch, authorizeUrl);
    const before = keyChecks();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        submitConsent(h.inProcessFetch, BASE, form, { fal_key: `invalid-${i}:guess-${i}` }).then(
          async (r) => ({
            status: r.status,
            text: await r.text(),
          }),
        ),
      ),
    );
    expect(keyChecks() - before).toBeLessThanOrEqual(10);
    const waiting = answers.filter((a) => a.status === 429);
    expect(waiting.length).toBeGreaterThanOrEqual(30);
    expect(waiting[0]?.text).toMatch(/Too many keys were refused for this sign-in\. Wait \d+ seconds/);
    // Even the right key is not checked while the address is locked out.
    const right = await submitConsent(h.inProcessFetch, BASE, form, { fal_key: 'good-id:good-secret' });
    expect(right.status).toBe(429);
  });
});
