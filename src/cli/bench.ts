import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { convertInBrowser, type BrowserConvertStats } from './bench-browser-convert';
import { benchEngine } from './bench-engine';
import { FULL_LAYERS, writeSynthetic7B } from './synthetic-7b';

/**
 * Conversion benchmark: a bf16 checkpoint with Qwen2.5-7B's tensor shapes (a few layers, plus both
 * 152064×3584 matrices) converted to q4f16 by the real CLI in a child process, and (`--suite convert` or
 * `all`) by the page in headless Chromium, at two layer counts. Peak memory should not grow with layers;
 * time is fitted as fixed + per-layer and projected to 28 layers.
 */
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
    allowNegative: true,
    options: {
      suite: { type: 'string', default: 'all' },
      layers: { type: 'string', default: '1,3' },
      dtype: { type: 'string', default: 'q4f16' },
      ideas: { type: 'string', default: '8' },
      browser: { type: 'boolean', default: true },
      words: { type: 'string', default: '180' },
    },
  });
  if (values.suite === 'engine' || values.suite === 'all') {
    await benchEngine({ ideas: Number(values.ideas), words: Number(values.words), dtype: 'q4' });
  }
  if (values.suite === 'engine') return;
  const layerCounts = values.layers!.split(',').map(Number);
  const root = await mkdtemp(join(tmpdir(), 'referee-bench-'));
  const results: { layers: number; stats: ConvertStats; page: BrowserConvertStats | null }[] = [];
  try {
    for (const layers of layerCounts) {
      const source = join(root, `synthetic-7b-${layers}l`);
      process.stderr.write(`bench: writing a ${layers}-layer bf16 checkpoint with 7B shapes…\n`);
      await writeSynthetic7B(source, layers);
      process.stderr.write(`bench: converting to ${values.dtype}…\n`);
      const stats = convertInChild(source, join(root, `out-${layers}l`), values.dtype!);
      let page: BrowserConvertStats | null = null;
      if (values.browser) {
        process.stderr.write(`bench: converting to ${values.dtype} in headless Chromium…\n`);
        page = await convertInBrowser(root, `synthetic-7b-${layers}l`, values.dtype as 'q4f16' | 'q4');
      }
      results.push({ layers, stats, page });
      await rm(source, { recursive: true, force: true });
      await rm(join(root, `out-${layers}l`), { recursive: true, force: true });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  console.log(`\nConversion of Qwen2.5-7B-shaped bf16 checkpoints to ${values.dtype} (embedding and lm_head 152064×3584 included)`);
  console.log('        |           | CLI (Node)                          | page (headless Chromium, from vite preview)');
  console.log('layers | source MB | seconds | input MB/s | peak RSS MB | seconds | input MB/s | renderer peak MB | all processes peak MB');
  const cell = (text: string, width: number) => text.padStart(width);
  for (const { layers, stats, page } of results) {
    const mb = stats.bytesRead / 1e6;
    const pageCells = page
      ? ` | ${cell(page.seconds.toFixed(1), 7)} | ${cell((mb / page.seconds).toFixed(1), 10)} | ${cell((page.peakRendererRssBytes / 1e6).toFixed(0), 16)} | ${cell((page.peakBrowserRssBytes / 1e6).toFixed(0), 21)}`
      : '';
    console.log(
      `${cell(String(layers), 6)} | ${cell(mb.toFixed(0), 9)} | ${cell(stats.seconds.toFixed(1), 7)} | ${cell((mb / stats.seconds).toFixed(1), 10)} | ${cell((stats.peakRssBytes / 1e6).toFixed(0), 11)}${pageCells}`,
    );
  }
  if (results.length >= 2) {
    const project = (label: string, seconds: (r: (typeof results)[number]) => number) => {
      const a = results[0]!;
      const b = results.at(-1)!;
      const perLayer = (seconds(b) - seconds(a)) / (b.layers - a.layers);
      const fixed = seconds(a) - perLayer * a.layers;
      const projected = fixed + perLayer * FULL_LAYERS;
      console.log(
        `${label} fit: ${fixed.toFixed(1)} s fixed (vocab matrices, rotary tables) + ${perLayer.toFixed(1)} s per layer → ` +
          `projected full ${FULL_LAYERS}-layer 7B: ${(projected / 60).toFixed(1)} min on this machine`,
      );
    };
    project('CLI', (r) => r.stats.seconds);
    if (results.every((r) => r.page)) project('page', (r) => r.page!.seconds);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
