import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { generateFixtures } from '../cli/fixtures';
import { CHROMIUM, startPreview } from './browser-convert';

/**
 * The page at scale (`npm run bench -- --suite page`): for lists of 10, 1,000 and 25,000 ideas, the built app
 * in headless Chromium (WASM, the planted tiny model) is timed importing the list, reloading, typing,
 * sorting and scoring, with every main-thread task over 50 ms recorded (the Long Tasks API).
 */
export interface PageFigures {
  ideas: number;
  importMs: number;
  importLongestTaskMs: number;
  reloadMs: number;
  typeMs: number;
  sortMs: number;
  /** Scoring rate over a stretch of the queue after the first idea (warm-up) is scored. */
  ideasPerSecond: number;
  scoringLongTasks: number;
  scoringLongestTaskMs: number;
}

const MODEL = 'tiny-planted-qwen2';
const SENTENCE = 'We study how sparse mixtures of experts trade compute for accuracy under a fixed training budget. ';

async function writeIdeas(dir: string, count: number): Promise<string> {
  const file = join(dir, `ideas-${count}.jsonl`);
  const lines = Array.from({ length: count }, (_, k) => JSON.stringify({ id: `idea-${k}`, title: `Idea ${k}`, text: `${k}: ${SENTENCE.repeat(8)}` }));
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

/** Installed before the app: long tasks and the scored count, each with its time. */
function installProbes(): void {
  const w = window as unknown as { benchLongTasks: { start: number; duration: number }[]; benchScored: { at: number; scored: number }[] };
  w.benchLongTasks = [];
  w.benchScored = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) w.benchLongTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
  new MutationObserver(() => {
    const text = document.querySelector('[data-testid="progress"]')?.textContent ?? '';
    const scored = Number(/^(\d+) of/.exec(text)?.[1] ?? NaN);
    const last = w.benchScored.at(-1);
    if (!Number.isNaN(scored) && scored !== last?.scored) w.benchScored.push({ at: performance.now(), scored });
  }).observe(document, { childList: true, subtree: true, characterData: true });
}

type Probes = { tasks: { start: number; duration: number }[]; scored: { at: number; scored: number }[]; now: number };
const readProbes = (page: Page): Promise<Probes> =>
  page.evaluate(() => {
    const w = window as unknown as { benchLongTasks: Probes['tasks']; benchScored: Probes['scored'] };
    return { tasks: w.benchLongTasks, scored: w.benchScored, now: performance.now() };
  });

const longest = (tasks: Probes['tasks'], from: number, to = Infinity) => Math.max(0, ...tasks.filter((t) => t.start >= from && t.start <= to).map((t) => t.duration));

async function measure(page: Page, base: string, file: string, count: number, stretch: number): Promise<PageFigures> {
  await page.goto(`${base}/?model=${MODEL}&dtype=q4&device=wasm`);
  await page.getByTestId('model-device').waitFor({ timeout: 180_000 });

  const importStart = (await readProbes(page)).now;
  const wall = performance.now();
  await page.getByLabel(/Import a file/).setInputFiles(file);
  await page.getByText(`0 of ${count} scored`).waitFor({ timeout: 120_000 });
  await page.getByTestId('idea-row').first().waitFor();
  const importMs = performance.now() - wall;
  const afterImport = await readProbes(page);
  const importLongestTaskMs = longest(afterImport.tasks, importStart);
  await page.getByTestId('list-saving').waitFor({ state: 'detached', timeout: 300_000 });

  let t = performance.now();
  await page.reload();
  await page.getByText(`0 of ${count} scored`).waitFor({ timeout: 120_000 });
  await page.getByTestId('idea-row').first().waitFor();
  const reloadMs = performance.now() - t;
  await page.getByTestId('model-device').waitFor({ timeout: 180_000 });

  const title = page.getByLabel('Title (optional)');
  t = performance.now();
  await title.pressSequentially('abcde');
  if ((await title.inputValue()) !== 'abcde') throw new Error('the typed title did not arrive');
  const typeMs = performance.now() - t;
  await title.fill('');

  t = performance.now();
  await page.getByRole('button', { name: 'P(accept)' }).click();
  await page.locator('th[aria-sort="descending"]').waitFor();
  const sortMs = performance.now() - t;
  await page.getByRole('button', { name: /^#/ }).click();

  const scoringStart = (await readProbes(page)).now;
  await page.getByRole('button', { name: /^Score all unscored/ }).click();
  const target = Math.min(count, stretch + 1);
  // The count moves on quickly: wait on the probe's record of it, which misses no step.
  await page.waitForFunction((t) => ((window as unknown as { benchScored: Probes['scored'] }).benchScored.at(-1)?.scored ?? 0) >= t, target, { timeout: 600_000, polling: 200 });
  const probes = await readProbes(page);
  const first = probes.scored.find((s) => s.scored >= 1 && s.at >= scoringStart)!;
  const last = probes.scored.find((s) => s.scored >= target)!;
  const ideasPerSecond = ((last.scored - first.scored) * 1000) / (last.at - first.at);
  const scoringTasks = probes.tasks.filter((task) => task.start >= first.at && task.start <= last.at);
  if (target < count) await page.getByRole('button', { name: 'Cancel the queue' }).click();
  return {
    ideas: count,
    importMs,
    importLongestTaskMs,
    reloadMs,
    typeMs,
    sortMs,
    ideasPerSecond,
    scoringLongTasks: scoringTasks.length,
    scoringLongestTaskMs: longest(scoringTasks, first.at, last.at),
  };
}

export async function benchPage(options: { sizes: readonly number[]; stretch: number }): Promise<PageFigures[]> {
  const fixtures = resolve(process.env.REFEREE_FIXTURES_DIR ?? '.fixtures');
  await generateFixtures(fixtures, (line) => process.stderr.write(`${line}\n`));
  const work = await mkdtemp(join(tmpdir(), 'referee-bench-page-'));
  const port = 42000 + Math.floor(Math.random() * 90);
  const server = await startPreview(fixtures, join(work, 'dist'), port);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-quic'] });
  const figures: PageFigures[] = [];
  try {
    for (const count of options.sizes) {
      process.stderr.write(`bench: page with ${count} ideas…\n`);
      const file = await writeIdeas(work, count);
      // A fresh profile per size: nothing saved from the previous list.
      const context = await browser.newContext();
      await context.addInitScript(installProbes);
      const page = await context.newPage();
      figures.push(await measure(page, `http://127.0.0.1:${port}`, file, count, options.stretch));
      await context.close();
    }
  } finally {
    await browser.close();
    server.kill();
    await rm(work, { recursive: true, force: true });
  }
  return figures;
}

export function printPage(figures: readonly PageFigures[]): void {
  const cell = (value: string, width: number) => value.padStart(width);
  console.log('\nThe page at scale (headless Chromium, WASM, tiny planted model; times in ms, wall clock from Playwright)');
  console.log(' ideas | import | longest task in import | reload to list | type 5 chars | sort | ideas/s | long tasks while scoring | longest');
  for (const f of figures) {
    console.log(
      [
        cell(f.ideas.toLocaleString('en'), 6),
        cell(f.importMs.toFixed(0), 6),
        cell(f.importLongestTaskMs.toFixed(0), 22),
        cell(f.reloadMs.toFixed(0), 14),
        cell(f.typeMs.toFixed(0), 12),
        cell(f.sortMs.toFixed(0), 4),
        cell(f.ideasPerSecond.toFixed(2), 7),
        cell(String(f.scoringLongTasks), 24),
        cell(f.scoringLongestTaskMs.toFixed(0), 7),
      ].join(' | '),
    );
  }
  const base = figures.find((f) => f.ideas === 10);
  for (const f of figures) {
    if (base && f !== base) console.log(`throughput at ${f.ideas.toLocaleString('en')} ideas: ${(f.ideasPerSecond / base.ideasPerSecond).toFixed(2)}× the rate at 10`);
  }
}
