import { NodeEngine } from '../engine/node/node-engine';
import { formatDuration, PASSES_PER_IDEA, type DeviceFigures } from '../engine/device-figures';
import type { LoadedModel } from '../engine/engine';
import type { Dtype } from '../models/types';

export interface DeviceBenchOptions {
  /** A converted folder, a URL of one, or a Hugging Face repo id (what `npm run score -- --model` takes). */
  readonly model: string;
  readonly dtype: Dtype;
  readonly device: 'cpu' | 'webgpu';
  /** Measurements after the first (each a prefill and the single-token passes): the table shows each. */
  readonly repeats: number;
}

/**
 * `npm run bench -- --suite device --model …`: the figures the page shows after a load (device-figures.ts), for a
 * converted model in Node on onnxruntime-node's CPU or its WebGPU EP, so that a run can be sized before it starts.
 */
export async function benchDevice(options: DeviceBenchOptions): Promise<{ model: LoadedModel; runs: DeviceFigures[] }> {
  const engine = new NodeEngine();
  const started = performance.now();
  const model = await engine.load({ source: options.model, dtype: options.dtype, device: options.device });
  process.stderr.write(`bench: loaded ${model.id} (${model.dtype}, ${model.deviceNote}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  try {
    const runs: DeviceFigures[] = [];
    for (let i = 0; i < 1 + options.repeats; i++) runs.push(await engine.measureDevice());
    return { model, runs };
  } finally {
    await engine.unload();
  }
}

export function printDevice({ model, runs }: { model: LoadedModel; runs: readonly DeviceFigures[] }, command: string): void {
  console.log(`\n${model.id}, ${model.dtype}, ${model.deviceNote}`);
  console.log(`command: ${command}`);
  console.log(`a fixed synthetic idea (src/engine/device-figures.ts): ${runs[0]!.prefillTokens} tokens prefilled over ${runs[0]!.reusedTokens} cached instruction tokens, then one-token passes`);
  console.log('');
  console.log('run | prefill tokens/s | ms per one-token pass | seconds per typical idea');
  runs.forEach((r, i) =>
    console.log(`${String(i + 1).padStart(3)} | ${r.prefillTokensPerSecond.toFixed(1).padStart(16)} | ${r.passMilliseconds.toFixed(1).padStart(21)} | ${r.secondsPerIdea.toFixed(2).padStart(24)}`),
  );
  const best = runs.reduce((a, b) => (b.secondsPerIdea < a.secondsPerIdea ? b : a));
  console.log(`\nper typical idea (one prefill + ${PASSES_PER_IDEA} one-token passes), best run: ${formatDuration(best.secondsPerIdea)}; 1,000 ideas: about ${formatDuration(best.secondsPerIdea * 1000)}`);
}
