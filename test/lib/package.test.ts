import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve('.');
const PLANTED = resolve('.fixtures/tiny-planted-qwen2');
const TSC = resolve('node_modules/typescript/bin/tsc');

/** npm's own variables (set when this runs under `npm test`) would point the scratch install at this repo. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
  return { ...env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
}

/**
 * Referee as a library, the way a user gets it: `npm pack` (which builds dist-lib), installed into a scratch
 * project outside the repo, which imports `openScorer` from 'referee', scores the planted model, and type-checks.
 */
describe('the library entry point', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it('packs, installs into a scratch project, scores the planted model 7.5 / 6.70, and carries its types', async () => {
    const packs = await mkdtemp(join(tmpdir(), 'referee-pack-'));
    const project = await mkdtemp(join(tmpdir(), 'referee-scratch-'));
    scratch.push(packs, project);
    await run('npm', ['pack', '--pack-destination', packs], { cwd: ROOT, env: cleanEnv() });
    const [tarball] = (await readdir(packs)).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toMatch(/^referee-.*\.tgz$/);

    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    await run('npm', ['install', join(packs, tarball!), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, env: cleanEnv() });

    await writeFile(
      join(project, 'score.mjs'),
      [
        "import { openScorer } from 'referee';",
        "const engine = await openScorer({ source: process.argv[2], dtype: 'q4' });",
        "const outcome = await engine.score({ text: 'Route each token to 2 of 64 experts.' });",
        'console.log(JSON.stringify(outcome.ok ? { greedy: outcome.result.greedy.score, expected: outcome.result.expected, pAbove: outcome.result.pAbove } : outcome.error));',
        'await engine.unload();',
      ].join('\n'),
    );
    const { stdout } = await run('node', ['score.mjs', PLANTED], { cwd: project, env: cleanEnv() });
    const scored = JSON.parse(stdout.trim().split('\n').at(-1)!) as { greedy: number; expected: number; pAbove: number };
    expect(scored.greedy).toBe(7.5);
    expect(scored.expected).toBeCloseTo(6.7, 4);
    expect(scored.pAbove).toBeCloseTo(0.7, 4);

    // The declarations travel with it: a wrong dtype is a type error, so the directive below is used.
    await writeFile(
      join(project, 'check.ts'),
      [
        "import { openScorer, type ScoreOutcome } from 'referee';",
        "const engine = await openScorer({ source: 'models/x', dtype: 'q4' });",
        "const outcome: ScoreOutcome = await engine.score({ text: 'An idea.' });",
        'export const greedy: number | null = outcome.ok ? outcome.result.greedy.score : null;',
        '// @ts-expect-error: not a dtype',
        "await openScorer({ source: 'models/x', dtype: 'q3' });",
      ].join('\n'),
    );
    await run('node', [TSC, 'check.ts', '--noEmit', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--strict', '--skipLibCheck', '--types', ''], {
      cwd: project,
    });
  });
});
