import { join } from 'node:path';
import { Qwen2Reference } from '../reference/qwen2-reference';
import { storedWeightsCheckpoint } from './checkpoints';
import { greedyWithCache, loadConverted, maxAbsDiff } from './tjs-node';

/**
 * The fp32 build against the float64 reference of the source checkpoint: greedy tokens from both, and the
 * max abs logit error over the prefill and the cached decode steps.
 */
export async function fp32Parity(outDir: string, sourceDir: string, prompt: number[], steps: number) {
  const model = await loadConverted(outDir, 'fp32');
  const onnx = await greedyWithCache(model, prompt, steps);
  await model.dispose();
  const reference = await Qwen2Reference.load(sourceDir);
  const expected = reference.greedy(prompt, steps);
  reference.reset();
  const prefill = reference.forward(prompt);
  let error = 0;
  prefill.forEach((row, p) => (error = Math.max(error, maxAbsDiff(onnx.prefillRows[p]!, row))));
  onnx.rows.forEach((row, i) => (error = Math.max(error, maxAbsDiff(row, expected.logits[i]!))));
  return { error, onnxTokens: onnx.tokens, referenceTokens: expected.tokens };
}

/**
 * A quantized or float16 build against the float64 reference of the weights it stores, teacher-forced along
 * the ONNX model's own tokens so errors are compared step by step: what is left is the runtime's arithmetic.
 */
export async function storedParity(outDir: string, sourceDir: string, dtype: 'fp16' | 'q4' | 'q4f16', root: string, prompt: number[], steps: number): Promise<number> {
  const model = await loadConverted(outDir, dtype);
  const onnx = await greedyWithCache(model, prompt, steps);
  await model.dispose();
  const stored = await Qwen2Reference.load(await storedWeightsCheckpoint(sourceDir, dtype, join(root, `stored-${dtype}`)));
  const rows = stored.forward([...prompt, ...onnx.tokens.slice(0, -1)]).slice(prompt.length - 1);
  return Math.max(...rows.map((row, i) => maxAbsDiff(onnx.rows[i]!, row)));
}
