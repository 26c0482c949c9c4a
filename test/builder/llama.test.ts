import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertIntoFolder } from '../../src/builder/node/convert-folder';
import { NodeFileTree } from '../../src/builder/node/node-files';
import { parseDecoderConfig } from '../../src/builder/decoder-config';
import { llamaConfig, randomCheckpoint, type TinyShape } from '../../src/fixtures/tiny-models';
import { ropeFrequencies } from '../reference/qwen2-reference';
import { tempDir, writeCheckpointWithTokenizer } from '../support/checkpoints';
import { fp32Parity, storedParity } from '../support/parity';

/**
 * The builder's extension point: LlamaForCausalLM is the decoder graph with no q/k/v biases and Llama 3's
 * RoPE scaling (llama-graph.ts overrides one step). Checked as Qwen2 is, against the float64 reference.
 */
const SHAPE: TinyShape = { hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 96, vocabSize: 512, tied: false, ropeTheta: 10000 };
const PROMPT = [5, 17, 101, 250, 3, 77, 499, 12, 300, 41, 8, 64];
const DECODE_STEPS = 5;

describe('a tiny Llama 3 checkpoint converts and matches the float64 reference', () => {
  let root = '';
  let sourceDir = '';
  let outDir = '';
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    root = await tempDir('llama');
    const config = llamaConfig(SHAPE);
    sourceDir = await writeCheckpointWithTokenizer(join(root, 'checkpoint'), randomCheckpoint('llama', SHAPE, { seed: 7, dtype: 'BF16', shards: 1, config }));
    outDir = join(root, 'onnx-model');
    const tree = new NodeFileTree(sourceDir);
    await convertIntoFolder(tree, outDir, { dtypes: ['fp32', 'q4'] });
    await tree.close();
  });
  afterAll(() => console.info('llama parity: max abs logit error', measured));

  it('reads the config as Llama: no biases, scaled RoPE that moves most frequencies', () => {
    const spec = parseDecoderConfig(llamaConfig(SHAPE));
    expect(spec).toMatchObject({ architecture: 'llama', attentionBias: false });
    expect(spec.ropeScaling).toEqual({ factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8 });
    const plain = ropeFrequencies(10000, 16, null);
    const scaled = ropeFrequencies(10000, 16, llamaConfig(SHAPE).rope_scaling as Record<string, unknown>);
    expect(scaled.filter((f, i) => Math.abs(f - plain[i]!) > 1e-12).length).toBeGreaterThanOrEqual(4);
  });

  it('fp32: logits within 1e-4 over prefill and cached decode steps, identical greedy tokens', async () => {
    const { error, onnxTokens, referenceTokens } = await fp32Parity(outDir, sourceDir, PROMPT, DECODE_STEPS);
    expect(onnxTokens).toEqual(referenceTokens);
    measured.fp32 = error;
    expect(error).toBeLessThanOrEqual(1e-4);
  });

  it('q4: logits within 1e-4 of its stored weights', async () => {
    measured.q4 = await storedParity(outDir, sourceDir, 'q4', root, PROMPT, DECODE_STEPS);
    expect(measured.q4).toBeLessThanOrEqual(1e-4);
  });
});
