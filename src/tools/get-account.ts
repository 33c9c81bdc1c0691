import * as v from 'valibot';
import { unlisted } from '../lib/schema-marks.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';

export const getAccountTool = defineTool({
  name: 'get_account',
  title: 'Your fal account and balance',
  group: 'discovery',
  description:
    "Your fal account before spending: whether the key is an admin key, the credit balance (admin keys), and this server's limits for you.",
  input: v.object({}),
  output: v.object({
    admin: v.optional(v.boolean()),
    balance: v.optional(v.number()),
    currency: v.optional(v.pipe(v.string(), unlisted())),
    limits: v.object({
      requests_per_minute: v.optional(v.number()),
      jobs_waited_on_at_once: v.number(),
      daily_budget_usd: v.optional(v.number()),
    }),
    budget: v.optional(
      v.pipe(
        v.object({
          daily_usd: v.number(),
          spent_today_usd: v.number(),
          left_usd: v.number(),
          resets_at: v.string(),
        }),
        unlisted(),
      ),
    ),
    notes: v.pipe(v.array(v.string()), unlisted()),
  }),
  annotations: READS,
  needsKey: 'any',
  async handler(_args, caller, { services, signal }) {
    const notes: string[] = [];
    let facts: { admin?: boolean; balance?: number; currency?: string } = {};
    try {
      const balance = await services.pricing.balance(caller, signal);
      if (balance.readable) facts = { admin: true, balance: balance.amount, currency: balance.currency };
      else {
        facts = { admin: false };
        notes.push(`The balance is not shown: ${balance.why}.`);
      }
    } catch (error) {
      notes.push(
        `The balance could not be read (${error instanceof Error ? error.message : String(error)}).`,
      );
    }
    const { limits } = services;
    const standing = await services.budget?.standing(caller.tenant);
    const limitsOut = {
      ...(limits.requestsPerMinute > 0 ? { requests_per_minute: limits.requestsPerMinute } : {}),
      jobs_waited_on_at_once: limits.jobsWaitedOnAtOnce,
      ...(services.budget ? { daily_budget_usd: services.budget.dailyUsd } : {}),
    };
    const budget = standing && {
      daily_usd: standing.dailyUsd,
      spent_today_usd: standing.spentUsd,
      left_usd: standing.leftUsd,
      resets_at: standing.resetsAt,
    };
    const lines = [
      facts.balance !== undefined
        ? `Balance: ${facts.balance} ${facts.currency} (an admin key).`
        : facts.admin === false
          ? 'An ordinary (non-admin) key.'
          : 'Whether this is an admin key is not known.',
      `This server's limits for you: ${limits.requestsPerMinute > 0 ? `${limits.requestsPerMinute} requests a minute (bursts of ${limits.burst}), ` : 'no request rate limit, '}` +
        `${limits.jobsWaitedOnAtOnce} jobs waited on at once, ` +
        (!services.budget
          ? 'no daily budget.'
          : standing
            ? `a daily budget of $${standing.dailyUsd}: $${standing.spentUsd} estimated for today's runs, $${standing.leftUsd} left, resets at ${standing.resetsAt}.`
            : `a daily budget of $${services.budget.dailyUsd} (today's standing cannot be read right now).`),
      ...notes,
    ];
    return {
      structured: { ...facts, limits: limitsOut, ...(budget ? { budget } : {}), notes },
      text: lines.join('\n'),
    };
  },
});
