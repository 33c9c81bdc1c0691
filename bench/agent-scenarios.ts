/**
 * The everyday requests of issue 26, as an agent makes them (a 2026-07-28 SDK
 * client over a real socket against the emulator): the text each call returns
 * and how many submits reached fal. Run before and after a change to compare:
 * npm run bench:scenarios. Output: one section per scenario, in docs/runs.md.
 */
import { connectModern, textOf } from '../tests/helpers/clients.js';
import { startHarness } from '../tests/helpers/harness.js';

const h = await startHarness({ env: (emu) => ({ FETCH_ALLOW_HOSTS: new URL(emu.origin).host }) });
const url = await h.listen();
h.emulator.state.setTiming('*', { queueMs: 5, runMs: 10, queuePosition: 0 });
const client = await connectModern({ url, headers: { 'X-Fal-Key': 'scenario-id:scenario-secret' } });
const submits = () => h.emulator.faults.callsTo('queue.submit').length;

async function scenario(title: string, tool: string, args: Record<string, unknown>) {
  const before = submits();
  const result = await client.callTool(tool, args);
  const text = textOf(result);
  console.log(`### ${title}\n\n\`${tool} ${JSON.stringify(args)}\`\n`);
  console.log(`submits: ${submits() - before}${result.isError ? ' (refused)' : ''}\n`);
  console.log(`\`\`\`\n${text}\n\`\`\`\n`);
  return result;
}

await scenario('A 30-second song with lyrics about coffee', 'generate_audio', {
  prompt: 'an upbeat acoustic song about coffee',
  lyrics: '[Verse]\nMorning light and a cup of coffee\n[Chorus]\nCoffee, coffee, wake me up',
  duration: 30,
});
await scenario('A 40-second video of waves', 'generate_video', {
  prompt: 'waves rolling onto a beach at sunset',
  duration: 40,
});
await scenario('Use flux pro ultra', 'generate_image', {
  prompt: 'a lighthouse at dusk',
  model: 'fal-ai/flux-pro/v1.1-ultra',
  preview: false,
});
await scenario('An ace-step music model through generate_audio', 'generate_audio', {
  prompt: 'lofi hip hop beat, mellow piano',
  model: 'fal-ai/ace-step',
});
await scenario('A made-up voice', 'generate_speech', { text: 'Hello there', voice: 'Captain Nemo' });
const upload = await client.callTool('upload_file', { file_name: 'talk.mp3', size: 2048 });
const fileUrl = String(upload.structuredContent?.url);
await scenario('A one-time upload URL that was never uploaded', 'transcribe_audio', { audio_url: fileUrl });
for (const name of ['flux-pro-ultra', 'flux-pro/v1.1-ultra', 'ghibli style', 'ace-step']) {
  const r = await client.callTool('search_models', { search: name, limit: 3 });
  const ids = ((r.structuredContent?.models as { id: string }[] | undefined) ?? []).map((m) => m.id);
  console.log(`search_models "${name}": ${ids.join(', ')}`);
}
for (const task of ['ghibli style', 'ace-step', 'flux pro ultra']) {
  const r = await client.callTool('recommend_model', { task, limit: 3 });
  const ids = ((r.structuredContent?.recommendations as { id: string }[] | undefined) ?? []).map((m) => m.id);
  console.log(`recommend_model "${task}": ${ids.join(', ')}`);
}
for (const name of ['flux-pro-ultra', 'flux-pro/v1.1-ultra', 'ace-step']) {
  const r = await client.callTool('get_model_schema', { model: name });
  console.log(
    `get_model_schema "${name}": ${r.isError ? `refused: ${textOf(r).split('\n')[0]}` : String(r.structuredContent?.model ?? r.structuredContent?.id)}`,
  );
}
await client.close();
await h.close();
