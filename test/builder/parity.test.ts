import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertIntoFolder } from '../../src/builder/node/convert-folder';
import { NodeFileTree } from '../../src/builder/node/node-files';
import type { SafetensorsDtype } from '../../src/builder/safetensors';
import { randomCheckpoint, type TinyShape } from '../../src/fixtures/tiny-models';
import { tempDir, writeCheckpointWithTokenizer } from '../support/checkpoints';
import { fp32Parity, storedParity } from '../support/parity';

interface ParityCase {
  name: string;
  shape: TinyShape;
  dtype: SafetensorsDtype;
  shards: number;
  separateRotary?: boolean;
  /** A small external-data limit splits the embedding table into vocabulary parts and lm_head into several MatMuls. */
  chunkLimit?: number;
}

const CASES: ParityCase[] = [
  {
    name: 'tied, kv ratio 1, head_dim 16, f32 single file',
    shape: { hiddenSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 2, intermediateSize: 64, vocabSize: 512, tied: true },
    dtype: 'F32',
    shards: 1,
  },
  {
    name: 'untied, kv ratio 2, head_dim 32, bf16 sharded, embedding and lm_head split in parts',
    shape: { hiddenSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 96, vocabSize: 512, tied: false, maxPositionEmbeddings: 512 },
    dtype: 'BF16',
    shards: 3,
    chunkLimit: 100_000,
  },
  {
    // 7 query heads per kv head as in the 7B model; hidden 112 and intermediate 80 are not multiples of
    // the 32-wide quantization block, so q4 pads K.
    name: 'untied, kv ratio 7, head_dim 16, f16 sharded, K not a multiple of 32',
    shape: { hiddenSize: 112, numLayers: 2, numHeads: 7, numKvHeads: 1, intermediateSize: 80, vocabSize: 640, tied: false },
    dtype: 'F16',
    shards: 2,
  },
  {
    name: 'head_dim 48 from config (≠ hidden/heads), separate RotaryEmbedding, small rope_theta',
    shape: { hiddenSize: 64, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 48, intermediateSize: 64, vocabSize: 512, tied: true, ropeTheta: 100 },
    dtype: 'F32',
    shards: 1,
    separateRotary: true,
  },
];

const PROMPT = [5, 17, 101, 250, 3, 77, 499, 12, 300, 41];
const DECODE_STEPS = 5;

/**
 * Bounds on the max abs logit error against the float64 forward of the weights each dtype stores
 * (see storedWeightsCheckpoint): what is left is the runtime's own arithmetic, float32 for fp32/q4 and
 * float16 activations for fp16/q4f16. Logits here range over about ±15.
 */
const BOUND: Record<string, number> = { fp32: 1e-4, q4: 1e-4, fp16: 0.06, q4f16: 0.06 };

describe.each(CASES)('ONNX build matches the float64 reference: $name', (testCase) => {
  let root = '';
  let sourceDir = '';
  let outDir = '';
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    root = await tempDir('parity');
    sourceDir = await writeCheckpointWithTokenizer(
      join(root, 'checkpoint'),
      randomCheckpoint('parity', testCase.shape, { seed: 99, dtype: testCase.dtype, shards: testCase.shards }),
    );
    outDir = join(root, 'onnx-model');
    const tree = new NodeFileTree(sourceDir);
    // Two conversions into one folder: the second must add its dtypes beside the first's.
    await convertIntoFolder(tree, outDir, { dtypes: ['fp32', 'fp16'], separateRotary: testCase.separateRotary, chunkLimit: testCase.chunkLimit });
    await convertIntoFolder(tree, outDir, { dtypes: ['q4', 'q4f16'], separateRotary: testCase.separateRotary, chunkLimit: testCase.chunkLimit });
    await tree.close();
  });

  afterAll(() => {
    console.info(`parity ${testCase.name}: max abs logit error`, measured);
  });

  it('fp32: logits within 1e-4 over prefill and cached decode steps, identical greedy tokens', async () => {
    const { error, onnxTokens, referenceTokens } = await fp32Parity(outDir, sourceDir, PROMPT, DECODE_STEPS);
    expect(onnxTokens).toEqual(referenceTokens);
    measured.fp32 = error;
    expect(error).toBeLessThanOrEqual(1e-4);
  });

  it.each(['q4', 'fp16', 'q4f16'] as const)('%s: logits within the stated bound of its stored weights', async (dtype) => {
    measured[dtype] = await storedParity(outDir, sourceDir, dtype, root, PROMPT, DECODE_STEPS);
    expect(measured[dtype]).toBeLessThanOrEqual(BOUND[dtype]!);
  });
});
