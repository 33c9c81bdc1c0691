import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';
import { TEST_OAUTH_SECRET } from '../helpers/oauth.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = '.cache/artifacts';
const USER_KEY = 'browser-user-id:browser-user-secret';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`[oauth-browser] skipped: no Chromium at ${CHROMIUM} (run scripts/install-system-deps.sh)`);
}

/** The client's side of the redirect: a loopback page that records what it was sent. */
async function startCallback(): Promise<{ url: string; received: URLSearchParams[]; server: Server }> {
  const received: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Browsers also ask for /favicon.ico; only the callback counts.
    if (url.pathname === '/callback') received.push(url.searchParams);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Signed in — you can close this tab.</h1>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`, received, server };
}

describe.skipIf(!hasChromium)('the consent page in a real headless browser (Debian chromium)', () => {
  let h: Harness;
  let base: string;
  let callback: Awaited<ReturnType<typeof startCallback>>;
  let browser: Awaited<ReturnType<typeof chromium.launch>>;

  beforeAll(async () => {
    h = await startHarness({ env: { OAUTH_SECRET: TEST_OAUTH_SECRET } });
    base = new URL(await h.listen()).origin;
    callback = await startCallback();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root in a sandboxed CI box, and with no network: no background traffic.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    callback?.server.close();
    await h?.close();
  });

  async function authorizeUrl(state: string) {
    const reg = await fetch(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Browser test host', redirect_uris: [callback.url] }),
    });
    const { client_id } = (await reg.json()) as { client_id: string };
    const verifier = randomBytes(32).toString('base64url');
    const url = `${base}/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id,
      redirect_uri: callback.url,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
      resource: `${base}/mcp`,
    })}`;
    return { url, client_id, verifier };
  }

  it('renders, takes a key, and completes the redirect with a code that exchanges for tokens', async () => {
    const { url, client_id, verifier } = await authorizeUrl('browser-state');
    const page = await browser.newPage();
    await page.goto(url);
    expect(await page.locator('h1').textContent()).toBe('Connect an MCP client to fal');
    // The client's own name is shown as its claim; where the user goes next is shown as a fact.
    expect(await page.locator('main').textContent()).toMatch(
      /A client calling itself Browser test host name not verified/,
    );
    expect(await page.locator('.dest').textContent()).toMatch(/sent back to http:\/\/127\.0\.0\.1:\d+/);
    expect(await page.locator('main').textContent()).toMatch(/does not store it/);
    expect(await page.locator('input[name="fal_key"]').getAttribute('type')).toBe('password');
    await page.screenshot({ path: `${ARTIFACTS}/oauth-consent.png`, fullPage: true });

    await page.fill('input[name="fal_key"]', USER_KEY);
    await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value="allow"]')]);
    await page.screenshot({ path: `${ARTIFACTS}/oauth-callback.png` });
    await page.close();

    const params = callback.received.at(-1);
    expect(params?.get('state')).toBe('browser-state');
    expect(params?.get('iss')).toBe(base);
    const code = params?.get('code') ?? '';
    expect(code).toMatch(/^fmcp_code\./);
    expect(code).not.toContain(USER_KEY);

    const tokens = await fetch(`${base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        client_id,
        redirect_uri: callback.url,
      }),
    });
    expect(tokens.status).toBe(200);
    // The key the browser typed was checked with fal (the emulator saw it) before any code.
    expect(h.emulator.faults.callsTo('pricing').map((c) => c.key)).toContain(USER_KEY);
    expect(existsSync(`${ARTIFACTS}/oauth-consent.png`)).toBe(true);
  }, 60_000);

  it('shows the refusal in the page when fal refuses the key, without leaving it', async () => {
    const { url } = await authorizeUrl('refused-state');
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('input[name="fal_key"]', 'invalid-id:typo');
    // Enter in the key field submits Allow (the form's default button), not Cancel.
    await page.press('input[name="fal_key"]', 'Enter');
    await page.waitForSelector('.error');
    expect(await page.locator('.error').textContent()).toMatch(/fal did not accept this key/);
    expect(page.url()).toBe(`${base}/authorize`);
    expect(await page.content()).not.toContain('invalid-id:typo');
    await page.screenshot({ path: `${ARTIFACTS}/oauth-consent-refused.png`, fullPage: true });
    await page.close();
  }, 60_000);
});
