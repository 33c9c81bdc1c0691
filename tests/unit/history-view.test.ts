import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  HISTORY_WINDOW_MS,
  matchesStatus,
  outcomeOfItem,
  parseSince,
  promptOf,
  statusOfItem,
  windowStart,
} from '../../src/jobs/history-view.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const item = (fields: Record<string, unknown>) => ({
  request_id: 'req-1',
  endpoint_id: 'fal-ai/flux/dev',
  sent_at: '2026-12-03T11:00:00Z',
  ...fields,
});

describe("reading fal's request history", () => {
  it.each([
    ['30m', NOW - 30 * 60_000],
    ['24h', NOW - 86_400_000],
    ['7d', NOW - 7 * 86_400_000],
    ['2w', NOW - 14 * 86_400_000],
    ['2026-12-01', Date.parse('2026-12-01')],
    ['2026-12-01T09:00Z', Date.parse('2026-12-01T09:00Z')],
  ])('since %s means %d', (since, at) => {
    expect(parseSince(since, NOW)).toBe(at);
  });

  it.each(['yesterday', 'last tuesday', '12/01/2026', '5', '2026-13-45'])(
    'since %s is not understood',
    (since) => {
      expect(parseSince(since, NOW)).toBeUndefined();
    },
  );

  it('a since in the future is refused; one beyond 30 days is moved up, saying so', () => {
    expect(() => windowStart(NOW + 3_600_000, NOW, [])).toThrow(UserError);
    const notes: string[] = [];
    expect(windowStart(NOW - 90 * 86_400_000, NOW, notes)).toBe(NOW - HISTORY_WINDOW_MS);
    expect(notes[0]).toMatch(/fal keeps request history for 30 days/);
    expect(windowStart(undefined, NOW, [])).toBe(NOW - 86_400_000);
  });

  it('tells a request’s state from its times and status code (fal sends no status word)', () => {
    expect(statusOfItem(item({ started_at: null, ended_at: null, status_code: null }))).toBe('IN_QUEUE');
    expect(statusOfItem(item({ started_at: '2026-12-03T11:00:01Z', ended_at: null }))).toBe('IN_PROGRESS');
    expect(statusOfItem(item({ ended_at: '2026-12-03T11:00:05Z', status_code: 200 }))).toBe('COMPLETED');
    expect(statusOfItem(item({ ended_at: '2026-12-03T11:00:05Z', status_code: 422 }))).toBe('FAILED');
    expect(
      statusOfItem(
        item({ ended_at: 'x', status_code: 499, json_output: { detail: 'Request was cancelled' } }),
      ),
    ).toBe('CANCELLED');
  });

  it('a stored output becomes the outcome check_job keeps; no stored output, no outcome', () => {
    const done = outcomeOfItem(
      item({
        ended_at: '2026-12-03T11:00:05Z',
        status_code: 200,
        duration: 2.5,
        json_output: { images: [{ url: 'https://v3.fal.media/files/a.png', content_type: 'image/png' }] },
      }),
    );
    expect(done).toMatchObject({ status: 'COMPLETED', inference_seconds: 2.5, media: [{ kind: 'image' }] });
    expect(outcomeOfItem(item({ ended_at: 'x', status_code: 200 }))).toBeUndefined();
    expect(outcomeOfItem(item({ ended_at: null, status_code: null }))).toBeUndefined();
    expect(
      outcomeOfItem(item({ ended_at: 'x', status_code: 500, json_output: { detail: 'boom' } })),
    ).toMatchObject({ status: 'FAILED', error: 'boom' });
  });

  it('status filters: pending covers queued, running and unknown', () => {
    expect(['IN_QUEUE', 'IN_PROGRESS', 'UNKNOWN'].every((s) => matchesStatus(s as never, 'pending'))).toBe(
      true,
    );
    expect(matchesStatus('COMPLETED', 'pending')).toBe(false);
    expect(matchesStatus('FAILED', 'failed')).toBe(true);
    expect(matchesStatus('CANCELLED', undefined)).toBe(true);
  });

  it('the prompt shown is the first words of the input, one line, at most 120 characters', () => {
    expect(promptOf({ prompt: '  a red\n car  ' })).toBe('a red car');
    expect(promptOf({ text: 'x'.repeat(300) })).toHaveLength(120);
    expect(promptOf({ image_url: 'https://x' })).toBeUndefined();
    expect(promptOf(null)).toBeUndefined();
  });
});
