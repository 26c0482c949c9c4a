import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectorySink, NodeFileTree } from '../../src/builder/node/node-files';
import { writeQwenTokenizerFiles } from '../../src/fixtures/qwen-tokenizer-files';
import { openCheckpoint } from '../../src/builder/checkpoint';
import { f16ToF32, f32ToF16 } from '../../src/builder/half';
import { expectedDecoderTensors, parseDecoderConfig } from '../../src/builder/decoder-config';
import { readTensorAsF32 } from '../../src/builder/safetensors';
import { dequantizeQ4Rows, quantizeQ4Rows } from '../../src/builder/weight-encoding';
import { quantizesEmbedding } from '../../src/models/model-files';
import type { TinyCheckpoint } from '../../src/fixtures/tiny-models';
import { writeCheckpoint } from '../../src/fixtures/write-checkpoint';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `referee-${prefix}-`));
}

/** Writes a generated checkpoint plus the real Qwen tokenizer files into `dir`. */
export async function writeCheckpointWithTokenizer(dir: string, checkpoint: TinyCheckpoint): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeCheckpoint(new DirectorySink(dir), checkpoint);
  await writeQwenTokenizerFiles(dir);
  return dir;
}

const LINEAR = /(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)\.weight$|^lm_head\.weight$/;
const roundF16 = (v: Float32Array) => v.map((x) => f16ToF32(f32ToF16(x)));

/**
 * The checkpoint as a converted dtype stores it: weights rounded to float16 and/or 4-bit
 * quantized-then-dequantized (linear weights, and the token table where the build quantizes it), written back as F32 (always untied, since a q4 lm_head differs from the
 * embedding table). A float64 forward of this checkpoint is what the ONNX model computes, up to
 * activation rounding, so its distance to the ONNX logits isolates the runtime from the quantization.
 */
export async function storedWeightsCheckpoint(sourceDir: string, dtype: 'fp16' | 'q4' | 'q4f16', outDir: string): Promise<string> {
  const tree = new NodeFileTree(sourceDir);
  const checkpoint = await openCheckpoint(tree);
  const config = { ...checkpoint.config, tie_word_embeddings: false };
  const spec = parseDecoderConfig(config);
  const tensors: { name: string; shape: number[]; values: Float32Array }[] = [];
  for (const [name, shape] of expectedDecoderTensors(spec)) {
    const sourceName = name === 'lm_head.weight' && checkpoint.spec.tieWordEmbeddings ? 'model.embed_tokens.weight' : name;
    let values = await readTensorAsF32(checkpoint.tensor(sourceName));
    const quantized = dtype !== 'fp16';
    const quantizedTable = name === 'model.embed_tokens.weight' && quantizesEmbedding(dtype, spec.hiddenSize);
    if (quantized && (LINEAR.test(name) || quantizedTable)) {
      const [rows, cols] = shape as [number, number];
      values = dequantizeQ4Rows(quantizeQ4Rows(values, rows, cols, dtype === 'q4f16' ? 'float16' : 'float32'), rows, cols);
    } else if (dtype !== 'q4') {
      values = roundF16(values);
    }
    tensors.push({ name, shape, values });
  }
  await tree.close();
  const stored: TinyCheckpoint = { name: `${dtype}-stored`, config, dtype: 'F32', shards: 1, tensors: () => tensors };
  await mkdir(outDir, { recursive: true });
  await writeCheckpoint(new DirectorySink(outDir), stored);
  return outDir;
}
