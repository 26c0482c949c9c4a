import { spawnSync } from 'node:child_process';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedDecoderTensors, parseDecoderConfig } from '../builder/decoder-config';
import { encodeSafetensorsHeader } from '../builder/safetensors-writer';
import { qwen2Config } from '../fixtures/tiny-models';
import { writeQwenTokenizerFiles } from '../fixtures/qwen-tokenizer-files';

/** Qwen2.5-7B-Instruct's shape (AlphaResearch-RM's), less the layer count. */
export const SHAPE_7B = {
  hiddenSize: 3584,
  numHeads: 28,
  numKvHeads: 4,
  intermediateSize: 18944,
  vocabSize: 152064,
  tied: false,
  maxPositionEmbeddings: 32768,
};
export const FULL_LAYERS = 28;

/**
 * A bf16 checkpoint with Qwen2.5-7B's tensor shapes and `layers` layers, pseudo-random weights. With
 * `headersOnly` the weights are a hole in a sparse file (all zeros, no disk used): enough for anything that
 * reads only the headers, such as planning a conversion.
 */
export async function writeSynthetic7B(dir: string, layers: number, options: { headersOnly?: boolean } = {}): Promise<void> {
  const config = { ...qwen2Config({ ...SHAPE_7B, numLayers: layers }), max_window_layers: 28 };
  const entries = [...expectedDecoderTensors(parseDecoderConfig(config))].map(([name, shape]) => ({ name, shape, dtype: 'BF16' as const }));
  await mkdir(dir, { recursive: true });
  const file = await open(join(dir, 'model.safetensors'), 'w');
  const header = encodeSafetensorsHeader(entries);
  await file.write(header);
  if (options.headersOnly) {
    const weightBytes = entries.reduce((sum, e) => sum + e.shape.reduce((a, b) => a * b, 1) * 2, 0);
    await file.truncate(header.length + weightBytes);
    await file.close();
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    await writeQwenTokenizerFiles(dir);
    return;
  }
  // Cheap pseudo-random bf16 values in [-0.05, 0.05): a generator this fast keeps set-up time small.
  let state = 12345;
  const rows = new Uint16Array(1 << 22);
  for (const entry of entries) {
    let remaining = entry.shape.reduce((a, b) => a * b, 1);
    while (remaining > 0) {
      const count = Math.min(remaining, rows.length);
      for (let i = 0; i < count; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        // sign, exponent 2^-5..2^-8, 7 mantissa bits
        rows[i] = ((state >>> 31) << 15) | ((119 + ((state >>> 24) & 3)) << 7) | ((state >>> 8) & 0x7f);
      }
      await file.write(new Uint8Array(rows.buffer, 0, count * 2));
      remaining -= count;
    }
  }
  await file.close();
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  await writeQwenTokenizerFiles(dir);
}


export interface ConvertStats {
  seconds: number;
  bytesRead: number;
  bytesWritten: number;
  peakRssBytes: number;
}

/** The real CLI converter (`npm run convert … --stats`) in a child process; its progress goes to stderr. */
export function convertInChild(source: string, out: string, dtype: string): ConvertStats {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/convert.ts', source, '--out', out, '--dtype', dtype, '--stats'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`convert failed with status ${child.status}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ConvertStats;
}
