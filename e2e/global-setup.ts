import { AutoTokenizer, env } from '@huggingface/transformers';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateFixtures } from '../src/cli/fixtures';
import { loadScorer } from '../src/engine/load-scorer';
import { greedyWithCache, loadConverted } from '../test/support/tjs-node';
import { ATTRIBUTION_IDEA, FIVE_IDEAS, VARIED_DTYPE } from './ideas';
import { DTYPES } from '../src/models/types';

export const PROBE_TEXT = 'Hello';

/**
 * Generates the tiny models (cached by content hash) and, for each dtype of the random one, the last-position
 * logits that Transformers.js computes in Node on onnxruntime-node: the browser must reproduce them.
 */
export default async function globalSetup(): Promise<void> {
  const fixtures = resolve(process.env.REFEREE_FIXTURES_DIR ?? '.fixtures');
  await generateFixtures(fixtures, (line) => console.info(line));
  const model = 'tiny-random-qwen2';
  env.allowRemoteModels = false;
  env.localModelPath = `${fixtures}/`;
  const tokenizer = await AutoTokenizer.from_pretrained(model);
  const inputIds = tokenizer.encode(PROBE_TEXT) as number[];
  for (const dtype of DTYPES) {
    const session = await loadConverted(join(fixtures, model), dtype);
    const run = await greedyWithCache(session, inputIds, 1);
    await session.dispose();
    const expected = { text: PROBE_TEXT, input_ids: inputIds, logits: Array.from(run.rows[0]!) };
    await writeFile(join(fixtures, model, `expected-logits.${dtype}.json`), JSON.stringify(expected));
  }

  // The five ideas the app test pastes, scored by the engine in Node on the varied model.
  const scorer = await loadScorer('tiny-varied-qwen2', { dtype: VARIED_DTYPE, device: 'cpu' });
  const outcomes = await scorer.scoreAll(FIVE_IDEAS.map((text) => ({ text })));
  const attributed = await scorer.attribute(ATTRIBUTION_IDEA);
  await scorer.dispose();
  if (!attributed.ok) throw new Error(`global setup: ${attributed.error.message}`);
  await writeFile(join(fixtures, 'tiny-varied-qwen2', 'expected-attribution.json'), JSON.stringify(attributed.result.attribution));
  const scores = outcomes.map((o) => {
    if (!o.ok) throw new Error(`global setup: ${o.error.message}`);
    return { greedy: o.result.greedy.score, expected: o.result.expected, pAbove: o.result.pAbove };
  });
  await writeFile(join(fixtures, 'tiny-varied-qwen2', 'expected-scores.json'), JSON.stringify(scores));

  // Only a config with Qwen2.5-7B's shape: enough for the app to refuse the model before downloading weights.
  const sevenB = join(fixtures, 'config-only-7b');
  await mkdir(sevenB, { recursive: true });
  const tinyConfig = JSON.parse(await readFile(join(fixtures, 'tiny-planted-qwen2', 'config.json'), 'utf8'));
  await writeFile(
    join(sevenB, 'config.json'),
    JSON.stringify({ ...tinyConfig, hidden_size: 3584, num_attention_heads: 28, num_key_value_heads: 4, num_hidden_layers: 28, intermediate_size: 18944, vocab_size: 152064 }),
  );
}
