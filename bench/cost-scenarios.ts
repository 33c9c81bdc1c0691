/**
 * The cost questions of issue 27, as an agent asks them (2026-07-28 client,
 * against the emulator): what each answer says. Run on two builds to compare:
 * npm run bench:costs. Written up in docs/costs.md.
 */
import { connectModern, textOf } from '../tests/helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../tests/helpers/harness.js';
import { rawRpc } from '../tests/helpers/raw-rpc.js';

const KEY = 'costs-admin-id:costs-secret';
const h = await startHarness({ env: { CONFIRM_COST_ABOVE_USD: '0.02', TASKS_SECRET: 'x'.repeat(40) } });
h.emulator.state.setTiming('*', { queueMs: 5, runMs: 10, queuePosition: 0 });
const client = await connectModern({
  url: IN_PROCESS_URL,
  fetch: h.inProcessFetch,
  headers: { 'X-Fal-Key': KEY },
});
const show = async (title: string, tool: string, args: Record<string, unknown>) => {
  const r = await client.callTool(tool, args);
  console.log(`### ${title}\n\n\`${tool} ${JSON.stringify(args)}\`\n\n\`\`\`\n${textOf(r)}\n\`\`\`\n`);
};
await show('A cheap model to turn a photo into a 5 s video', 'recommend_model', {
  task: 'the cheapest decent model to turn a photo into a 5 s video',
  limit: 3,
});
const run = { model: 'fal-ai/flux/dev', input: { prompt: 'a lighthouse' } };
await show('estimate_cost for one flux/dev run', 'estimate_cost', {
  items: [{ model: run.model, quantity: 1, input: run.input }],
});
await show('The run itself', 'run_model', { ...run, max_cost_usd: 1, preview: false });
await show('A cap below it', 'run_model', { ...run, max_cost_usd: 0.01 });
const asked = await rawRpc(
  'tools/call',
  { name: 'run_model', arguments: run },
  {
    fetch: h.inProcessFetch,
    url: IN_PROCESS_URL,
    headers: { 'X-Fal-Key': KEY },
    name: 'run_model',
    capabilities: { elicitation: {} },
  },
);
const question = (asked.result as { inputRequests?: { confirm_spend?: { params?: { message?: string } } } })
  ?.inputRequests?.confirm_spend?.params?.message;
console.log(
  `### The spend confirmation (threshold $0.02)\n\n\`\`\`\n${question ?? JSON.stringify(asked.result ?? asked.error)}\n\`\`\`\n`,
);
await show('flux/dev, 1 image, under a $0.05 cap', 'run_model', {
  ...run,
  max_cost_usd: 0.05,
  preview: false,
});
await show('flux/dev, 4 images, under a $0.05 cap', 'run_model', {
  model: run.model,
  input: { ...run.input, num_images: 4 },
  max_cost_usd: 0.05,
  preview: false,
});
await show('The balance', 'get_account', {});
await client.close();
await h.close();
