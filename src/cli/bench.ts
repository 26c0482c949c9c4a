import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { expectedQwen2Tensors, parseQwen2Config } from '../convert/qwen2-config';
import { encodeSafetensorsHeader } from '../convert/safetensors-writer';
import { qwen2Config } from '../fixtures/tiny-models';
import { benchEngine } from './bench-engine';
import { writeQwenTokenizerFiles } from './qwen-tokenizer-files';

/**
 * Conversion benchmark: a bf16 checkpoint with Qwen2.5-7B's tensor shapes (a few layers, plus both
 * 152064×3584 matrices) converted to q4f16 by the real CLI in a child process, at two layer counts.
 * Peak RSS should not grow with layers; time is fitted as fixed + per-layer and projected to 28 layers.
 */
const SHAPE_7B = {
  hiddenSize: 3584,
  numHeads: 28,
  numKvHeads: 4,
  intermediateSize: 18944,
  vocabSize: 152064,
  tied: false,
  maxPositionEmbeddings: 32768,
};
const FULL_LAYERS = 28;

async function writeSynthetic7B(dir: string, layers: number): Promise<void> {
  const config = { ...qwen2Config({ ...SHAPE_7B, numLayers: layers }), max_window_layers: 28 };
  const entries = [...expectedQwen2Tensors(parseQwen2Config(config))].map(([name, shape]) => ({ name, shape, dtype: 'BF16' as const }));
  await mkdir(dir, { recursive: true });
  const file = await open(join(dir, 'model.safetensors'), 'w');
  await file.write(encodeSafetensorsHeader(entries));
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

interface ConvertStats {
  seconds: number;
  bytesRead: number;
  bytesWritten: number;
  peakRssBytes: number;
}

function convertInChild(source: string, out: string, dtype: string): ConvertStats {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/convert.ts', source, '--out', out, '--dtype', dtype, '--stats'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`convert failed with status ${child.status}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ConvertStats;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', default: 'all' },
      layers: { type: 'string', default: '1,3' },
      dtype: { type: 'string', default: 'q4f16' },
      ideas: { type: 'string', default: '8' },
      words: { type: 'string', default: '180' },
    },
  });
  if (values.suite === 'engine' || values.suite === 'all') {
    await benchEngine({ ideas: Number(values.ideas), words: Number(values.words), dtype: 'q4' });
  }
  if (values.suite === 'engine') return;
  const layerCounts = values.layers!.split(',').map(Number);
  const root = await mkdtemp(join(tmpdir(), 'referee-bench-'));
  const results: { layers: number; stats: ConvertStats }[] = [];
  try {
    for (const layers of layerCounts) {
      const source = join(root, `synthetic-7b-${layers}l`);
      process.stderr.write(`bench: writing a ${layers}-layer bf16 checkpoint with 7B shapes…\n`);
      await writeSynthetic7B(source, layers);
      process.stderr.write(`bench: converting to ${values.dtype}…\n`);
      const stats = convertInChild(source, join(root, `out-${layers}l`), values.dtype!);
      results.push({ layers, stats });
      await rm(source, { recursive: true, force: true });
      await rm(join(root, `out-${layers}l`), { recursive: true, force: true });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  console.log(`\nConversion of Qwen2.5-7B-shaped bf16 checkpoints to ${values.dtype} (embedding and lm_head 152064×3584 included)`);
  console.log('layers | source MB | seconds | input MB/s | peak RSS MB');
  for (const { layers, stats } of results) {
    const mb = stats.bytesRead / 1e6;
    console.log(
      `${String(layers).padStart(6)} | ${mb.toFixed(0).padStart(9)} | ${stats.seconds.toFixed(1).padStart(7)} | ${(mb / stats.seconds).toFixed(1).padStart(10)} | ${(stats.peakRssBytes / 1e6).toFixed(0).padStart(11)}`,
    );
  }
  if (results.length >= 2) {
    const a = results[0]!;
    const b = results.at(-1)!;
    const perLayer = (b.stats.seconds - a.stats.seconds) / (b.layers - a.layers);
    const fixed = a.stats.seconds - perLayer * a.layers;
    const projected = fixed + perLayer * FULL_LAYERS;
    console.log(
      `fit: ${fixed.toFixed(1)} s fixed (vocab matrices, rotary tables) + ${perLayer.toFixed(1)} s per layer → ` +
        `projected full ${FULL_LAYERS}-layer 7B: ${(projected / 60).toFixed(1)} min on this machine`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
