import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';

/**
 * A prompt clients show as a command (Claude Code: /mcp__fal__make_with_fal):
 * the steps an agent should take for a generative task, with cost in view.
 */
export const makeWithFalPrompt = {
  name: 'make_with_fal',
  config: {
    title: 'Make something with fal',
    description: 'Pick a fal model for a task, check its inputs and price, run it and look at the result.',
    argsSchema: toStandardJsonSchema(
      v.object({
        task: v.pipe(v.string(), v.description('What to make, e.g. "a 5 s video of a fox in snow".')),
        budget_usd: v.optional(v.pipe(v.string(), v.description('The most to spend, in USD (e.g. "0.50").'))),
      }),
    ),
  },
  callback: ({ task, budget_usd }: { task: string; budget_usd?: string | undefined }) => ({
    messages: [
      {
        role: 'user' as const,
        content: {
          type: 'text' as const,
          text: [
            `Make this with a fal model: ${task}`,
            '',
            '1. Call recommend_model with the task in plain words; pick one of its models by the reasons given.',
            '2. Call get_model_schema for that model to see its required inputs; upload local files with upload_file.',
            `3. Call estimate_cost (or get_pricing) before running${budget_usd ? `, and do not spend more than $${budget_usd}: pass max_cost_usd: ${budget_usd}` : ''}.`,
            '4. Run it with run_model (or generate_image / generate_video / edit_image for common tasks).',
            '   A slow job returns a request_id: call check_job with it until it completes.',
            '5. Look at the result (image previews come with it) and say what was made, with its links.',
          ].join('\n'),
        },
      },
    ],
  }),
};
