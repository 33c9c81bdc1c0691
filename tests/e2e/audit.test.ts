import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const KEY = 'audit-admin-id:audit-secret-value';
const PROMPT = 'a very private prompt about my garden';

describe('the audit log: one line per billable or destructive action', () => {
  let h: Harness;
  let client: TestClient;
  const audits = () => h.logRecords().filter((l) => l.log === 'audit');
  beforeAll(async () => {
    // Only errors are logged, yet the audit trail is complete.
    h = await startHarness({ env: { LOG_LEVEL: 'error' } });
    h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it('records a run, a refused run, a cancel, a deletion and an upload, with who, what, estimate and outcome', async () => {
    const run = await client.callTool('run_model', { model: 'flux_dev', input: { prompt: PROMPT } });
    const requestId = (run.structuredContent as { request_id: string }).request_id;
    await client.callTool('run_model', { model: 'flux_dev', input: { prompt: PROMPT }, max_cost_usd: 0.001 });
    h.emulator.state.setTiming('fal-ai/flux/schnell', { queueMs: 60_000, runMs: 10 });
    const slow = await client.callTool('submit_job', { model: 'flux_schnell', input: { prompt: PROMPT } });
    const slowId = (slow.structuredContent as { request_id: string }).request_id;
    await client.callTool('cancel_job', { request_id: slowId });
    await client.callTool('delete_payloads', { request_id: requestId, confirm: true });
    await client.callTool('upload_file', {
      data_base64: Buffer.from('hi').toString('base64'),
      content_type: 'text/plain',
      file_name: 'a.txt',
    });

    const lines = audits();
    const tenant = lines[0]?.tenant;
    expect(tenant).toMatch(/^t_[0-9a-f]{16}$/);
    expect(lines.map((l) => [l.action, l.outcome, l.reason ?? null])).toEqual([
      ['submit', 'submitted', null],
      ['submit', 'refused', 'over_cap'],
      ['submit', 'submitted', null],
      ['cancel', 'cancelled', null],
      ['delete', 'deleted', null],
      ['upload', 'uploaded', null],
    ]);
    expect(lines[0]).toMatchObject({
      msg: 'audit',
      level: 'info',
      tenant,
      tool: 'run_model',
      model: 'fal-ai/flux/dev',
      request_id: requestId,
      estimate_usd: 0.025,
    });
    expect(lines[3]).toMatchObject({ tool: 'cancel_job', model: 'fal-ai/flux/schnell', request_id: slowId });
    expect(lines[5]).toMatchObject({ tool: 'upload_file', content_type: 'text/plain', size: 2 });
    for (const line of lines) {
      expect(typeof line.time).toBe('string');
      expect(JSON.stringify(line)).not.toContain('audit-secret-value');
      expect(JSON.stringify(line)).not.toContain('private prompt');
      expect(JSON.stringify(line)).not.toContain('/cdn/');
    }
    // Nothing else reached the log at this level.
    expect(h.logRecords().filter((l) => l.log !== 'audit' && l.level === 'info')).toEqual([]);
  });
});
