import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/**
 * The page's conversion of a checkpoint, measured in headless Chromium (Debian's) against the app's own
 * build served by `vite preview` with the checkpoint under /models/: wall time from "Convert" to done, and the
 * peak resident memory of the renderer process (the page and its workers live there) and of all of
 * Chromium's processes.
 */
export interface BrowserConvertStats {
  seconds: number;
  peakRendererRssBytes: number;
  peakBrowserRssBytes: number;
}

export const CHROMIUM = process.env.REFEREE_CHROMIUM ?? '/usr/bin/chromium';

export function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent!, [...(children.get(parent!) ?? []), child!]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

/** The browser's main process: the one started with this profile and no `--type=`. */
export function findBrowserPid(profile: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a.includes(profile)) && !args.some((a) => a.startsWith('--type='))) return Number(entry);
    } catch {
      // gone already
    }
  }
  throw new Error('could not find the browser process');
}

function rssOf(pid: number): { rss: number; renderer: boolean } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return { rss, renderer: cmdline.includes('--type=renderer') };
  } catch {
    return { rss: 0, renderer: false };
  }
}

export async function startPreview(modelsDir: string, outDir: string, port: number): Promise<ChildProcess> {
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'], { env: { ...process.env, REFEREE_OUT_DIR: outDir }, stdio: 'inherit' });
  const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    env: { ...process.env, REFEREE_OUT_DIR: outDir, REFEREE_MODELS_DIR: modelsDir },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false)) return server;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  server.kill();
  throw new Error('vite preview did not start');
}

/** Converts `/models/<name>` (a checkpoint folder inside `modelsDir`) to `dtype` in the page. */
export async function convertInBrowser(modelsDir: string, name: string, dtype: 'q4f16' | 'q4'): Promise<BrowserConvertStats> {
  const port = 41900 + Math.floor(Math.random() * 90);
  const outDir = await mkdtemp(join(tmpdir(), 'referee-bench-dist-'));
  // A real profile on disk: an incognito context's storage quota is far smaller than a user's.
  const profile = await mkdtemp(join(tmpdir(), 'referee-bench-profile-'));
  const server = await startPreview(modelsDir, outDir, port);
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ['--disable-quic'] });
  const browserPid = findBrowserPid(profile);
  let peakRenderer = 0;
  let peakAll = 0;
  let sampling = false;
  const timeline: string[] = [];
  const sampler = setInterval(() => {
    if (!sampling) return;
    let renderer = 0;
    let all = 0;
    for (const pid of [browserPid, ...descendants(browserPid)]) {
      const { rss, renderer: isRenderer } = rssOf(pid);
      all += rss;
      if (isRenderer) renderer += rss;
    }
    if (!sampling) return;
    peakRenderer = Math.max(peakRenderer, renderer);
    peakAll = Math.max(peakAll, all);
    timeline.push(`${(performance.now() / 1000).toFixed(1)} renderer ${(renderer / 1e6).toFixed(0)} MB, all ${(all / 1e6).toFixed(0)} MB`);
  }, 250);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // The page loads the converted model right after it is done; stop measuring the moment "done" shows.
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => (finished = resolve));
    await page.exposeFunction('refereeBenchFinished', () => {
      sampling = false;
      finished();
    });
    await page.addInitScript(() => {
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="convert-done"], [data-testid="convert-error"]')) (window as unknown as { refereeBenchFinished(): void }).refereeBenchFinished();
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByLabel('Checkpoint to convert (Hugging Face repo or URL)').fill(`http://127.0.0.1:${port}/models/${name}`);
    await page.getByLabel('Build').selectOption(dtype);
    await page.getByRole('button', { name: 'Check what it takes' }).click();
    await page.getByRole('button', { name: 'Convert', exact: true }).waitFor({ timeout: 120_000 });
    const started = performance.now();
    sampling = true;
    await page.getByRole('button', { name: 'Convert', exact: true }).click();
    await done;
    const seconds = (performance.now() - started) / 1000;
    if (process.env.REFEREE_BENCH_TIMELINE) writeFileSync(process.env.REFEREE_BENCH_TIMELINE, timeline.join('\n'));
    const error = await page.getByTestId('convert-error').textContent().catch(() => null);
    if (error) throw new Error(`the page could not convert: ${error}`);
    return { seconds, peakRendererRssBytes: peakRenderer, peakBrowserRssBytes: peakAll };
  } finally {
    clearInterval(sampler);
    await context.close();
    server.kill();
    await rm(outDir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
}
