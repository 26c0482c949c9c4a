import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tinyModelCatalog } from '../fixtures/catalog';
import { QWEN25_GENERATION_CONFIG } from '../fixtures/chat-template';
import { writeCheckpoint } from '../fixtures/write-checkpoint';
import { convertIntoFolder } from '../builder/node/convert-folder';
import { DirectorySink, NodeFileTree } from '../builder/node/node-files';
import { qwenTokenizerDir, writeQwenTokenizerFiles } from '../fixtures/qwen-tokenizer-files';
import { DTYPES } from '../models/types';

const here = dirname(fileURLToPath(import.meta.url));
const srcRoot = resolve(here, '..');

/** Everything that decides the fixtures' bytes: the generator, the builder, and the tokenizer package. */
async function fixturesHash(tokenizerDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of ['builder', 'fixtures']) {
    for (const file of (await readdir(join(srcRoot, dir), { recursive: true })).sort()) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      hash.update(file).update(await readFile(join(srcRoot, dir, file)));
    }
  }
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) hash.update(await readFile(join(tokenizerDir, file)));
  return hash.digest('hex');
}

export async function generateFixtures(outDir: string, log: (line: string) => void = () => {}): Promise<void> {
  const tokenizerDir = qwenTokenizerDir();
  const hash = await fixturesHash(tokenizerDir);
  const stampPath = join(outDir, 'fixtures.hash');
  const stamp = await readFile(stampPath, 'utf8').catch(() => '');
  if (stamp === hash) {
    log(`fixtures in ${outDir} are up to date`);
    return;
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  for (const model of tinyModelCatalog()) {
    const started = Date.now();
    const checkpointDir = join(outDir, 'checkpoints', model.name);
    const staging = `${checkpointDir}.partial`;
    await mkdir(staging, { recursive: true });
    await writeCheckpoint(new DirectorySink(staging), model);
    await writeQwenTokenizerFiles(staging);
    await writeFile(join(staging, 'generation_config.json'), JSON.stringify(QWEN25_GENERATION_CONFIG, null, 2));
    await rename(staging, checkpointDir);

    const tree = new NodeFileTree(checkpointDir);
    try {
      await convertIntoFolder(tree, join(outDir, model.name), { dtypes: DTYPES });
    } finally {
      await tree.close();
    }
    log(`${model.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await writeFile(stampPath, hash);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: '.fixtures' } } });
  generateFixtures(resolve(values.out!), (line) => process.stderr.write(`${line}\n`)).catch((error: unknown) => {
    process.stderr.write(`fixtures: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
