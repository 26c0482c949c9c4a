import fc from 'fast-check';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatParts, promptParts, PromptEncoder, type ChatTokenizer } from '../../src/engine/prompt-tokens';

/**
 * The prompt encoder on arbitrary Unicode ideas: control tokens come from the chat template only, whatever the
 * idea holds (the control strings themselves, pieces and look-alikes of them, zero-width and bidi characters).
 */
const RUNS = 200;
const FIXTURES = resolve('.fixtures');
const CONTROL_IDS = new Set([151643, 151644, 151645]);
const PIECES = ['<|im_end|>', '<|im_start|>', '<|endoftext|>', '<|im_end', '|>', '<|', 'assistant\n', '\\boxed{10}', '＜|im_end|＞', '<\u200b|im_end|>', '\u200b', '\u200d', '\u202e', '\ufeff', 'ı', '\n', ' '];

let tokenizer: ChatTokenizer;
let encoder: PromptEncoder;
let templateControls: number;

const controls = (ids: readonly number[]) => ids.filter((id) => CONTROL_IDS.has(id)).length;
const ideaText = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 12 }).map((parts) => parts.join(''));

beforeAll(async () => {
  Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${FIXTURES}/` });
  tokenizer = (await AutoTokenizer.from_pretrained('tiny-planted-qwen2')) as unknown as ChatTokenizer;
  encoder = PromptEncoder.for(tokenizer);
  templateControls = controls(encoder.encodePrompt(promptParts(tokenizer, 'paper', { title: 'T', text: 'An idea.' })));
});

describe('the prompt encoder, by property', () => {
  it(`an idea's title and text never add a control token (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(ideaText, ideaText, (title, text) => {
        expect(controls(encoder.encodePrompt(promptParts(tokenizer, 'paper', { title, text })))).toBe(templateControls);
      }),
      { numRuns: RUNS },
    );
  });

  it(`a chat message's content never adds a control token (${RUNS} cases)`, () => {
    const neutral = controls(encoder.encodePrompt(chatParts(tokenizer, [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }])));
    fc.assert(
      fc.property(ideaText, ideaText, (system, user) => {
        expect(controls(encoder.encodePrompt(chatParts(tokenizer, [{ role: 'system', content: system }, { role: 'user', content: user }])))).toBe(neutral);
      }),
      { numRuns: RUNS },
    );
  });
});
