import { AutoModelForCausalLM, DynamicCache, env, Tensor } from '@huggingface/transformers';
import { basename, dirname } from 'node:path';
import { asTensors, integerFeeds } from '../../src/engine/decoder-feeds';

/** Transformers.js in Node, reading converted folders from disk and never from a hub. */
export async function loadConverted(modelDir: string, dtype: string) {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(modelDir)}/`;
  return AutoModelForCausalLM.from_pretrained(basename(modelDir), { dtype: dtype as 'fp32', device: 'cpu' });
}

export function idsTensor(ids: readonly number[]): Tensor {
  return new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** The integer inputs of a pass over `pastLength` cached tokens plus `width` new ones, keeping every logit row. */
export function lengthFeeds(pastLength: number, width: number): Record<string, Tensor> {
  return asTensors(integerFeeds(1, pastLength, width, 0), (f) => new Tensor(f.type, f.data, f.dims));
}

/**
 * One prefill of `prompt`, then `steps` greedy decode steps through the KV cache. Returns the logits row
 * that chose each generated token (the prefill's last row first).
 */
export async function greedyWithCache(
  model: Awaited<ReturnType<typeof loadConverted>>,
  prompt: readonly number[],
  steps: number,
): Promise<{ tokens: number[]; rows: Float32Array[]; prefillRows: Float32Array[] }> {
  const run = model as unknown as (inputs: Record<string, unknown>) => Promise<Record<string, Tensor>>;
  let output = await run({ input_ids: idsTensor(prompt), ...lengthFeeds(0, prompt.length) });
  const vocab = output.logits!.dims[2]!;
  const all = output.logits!.data as Float32Array;
  const prefillRows = Array.from({ length: prompt.length }, (_, p) => all.slice(p * vocab, (p + 1) * vocab));
  const rows: Float32Array[] = [prefillRows[prompt.length - 1]!];
  const tokens: number[] = [argmax(rows[0]!)];
  for (let step = 1; step < steps; step++) {
    output = await run({
      input_ids: idsTensor([tokens[step - 1]!]),
      ...lengthFeeds(prompt.length + step - 1, 1),
      past_key_values: cacheFrom(output),
    });
    const row = (output.logits!.data as Float32Array).slice(-vocab);
    rows.push(row);
    tokens.push(argmax(row));
  }
  return { tokens, rows, prefillRows };
}

/** A forward pass returns `present.*` outputs; the next pass takes them as a cache of `past_key_values.*`. */
export function cacheFrom(outputs: Record<string, Tensor>): InstanceType<typeof DynamicCache> {
  const entries: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    if (name.startsWith('present.')) entries[name.replace('present.', 'past_key_values.')] = tensor;
  }
  return new DynamicCache(entries);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
