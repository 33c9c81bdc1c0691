import type { Unmet } from './map-params.js';

/**
 * ElevenLabs' premade voices, which fal's ElevenLabs endpoints take by name (their schema says
 * only "a string"). Anything else must be a voice id from the caller's ElevenLabs library: 20
 * letters and digits. A name outside both fails at ElevenLabs after fal has billed the call.
 */
const ELEVENLABS_VOICES = [
  'Rachel',
  'Drew',
  'Clyde',
  'Paul',
  'Aria',
  'Domi',
  'Dave',
  'Roger',
  'Fin',
  'Sarah',
  'Antoni',
  'Laura',
  'Thomas',
  'Charlie',
  'George',
  'Emily',
  'Elli',
  'Callum',
  'Patrick',
  'River',
  'Harry',
  'Liam',
  'Dorothy',
  'Josh',
  'Arnold',
  'Charlotte',
  'Alice',
  'Matilda',
  'James',
  'Joseph',
  'Will',
  'Jeremy',
  'Jessica',
  'Eric',
  'Michael',
  'Ethan',
  'Chris',
  'Gigi',
  'Freya',
  'Santa Claus',
  'Brian',
  'Grace',
  'Daniel',
  'Lily',
  'Serena',
  'Adam',
  'Nicole',
  'Bill',
  'Jessie',
  'Sam',
  'Glinda',
  'Giovanni',
  'Mimi',
];
const VOICE_ID = /^[A-Za-z0-9]{20}$/;

/**
 * A voice an ElevenLabs endpoint will not know, as an unmet request; undefined when it may. A
 * premade name in another case ("rachel") is written into the input as ElevenLabs spells it.
 */
export function unknownVoice(model: string, input: Record<string, unknown>): Unmet | undefined {
  const voice = input.voice;
  if (!model.startsWith('fal-ai/elevenlabs/') || typeof voice !== 'string') return undefined;
  const known = ELEVENLABS_VOICES.find((v) => v.toLowerCase() === voice.trim().toLowerCase());
  if (known) {
    input.voice = known;
    return undefined;
  }
  if (VOICE_ID.test(voice)) return undefined;
  return {
    key: 'voice',
    value: voice,
    kind: 'value',
    allowed: `a premade voice (${ELEVENLABS_VOICES.slice(0, 8).join(', ')}, … ${ELEVENLABS_VOICES.length} in all) or a 20-character voice id from your ElevenLabs library`,
  };
}
