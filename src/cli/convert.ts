import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FileTree } from '../builder/byte-source';
import type { ConvertProgress } from '../builder/convert';
import { HubFileTree } from '../builder/hub-tree';
import { convertIntoFolder } from '../builder/node/convert-folder';
import { NodeFileTree } from '../builder/node/node-files';
import { ProgressBar } from './progress-bar';
import { DTYPES, type Dtype } from '../models/types';

const USAGE = `usage: npm run convert -- <folder | hf-repo-id[@revision]> --out <dir> [--dtype q4f16] [--dtype q4 ...]
       [--separate-rotary] [--accuracy-level 0|1|2|3|4] [--hub-url URL] [--stats]
Converts a Qwen2ForCausalLM Hugging Face checkpoint into an ONNX folder Transformers.js loads.
dtypes: ${DTYPES.join(', ')} (default q4f16 and q4, the two the browser uses).
--stats prints one JSON line on stdout: seconds, source bytes read, bytes written, peak RSS.`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      dtype: { type: 'string', multiple: true },
      'separate-rotary': { type: 'boolean', default: false },
      'accuracy-level': { type: 'string', default: '0' },
      'hub-url': { type: 'string' },
      stats: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 1 || !values.out) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const dtypes = (values.dtype ?? ['q4f16', 'q4']).flatMap((d) => d.split(','));
  const unknown = dtypes.filter((d) => !DTYPES.includes(d as Dtype));
  if (unknown.length) {
    process.stderr.write(`convert: unknown dtype ${unknown.join(', ')}; choose from ${DTYPES.join(', ')}\n`);
    return 2;
  }
  const accuracyLevel = Number(values['accuracy-level']);
  if (![0, 1, 2, 3, 4].includes(accuracyLevel)) {
    process.stderr.write('convert: --accuracy-level must be 0, 1, 2, 3 or 4\n');
    return 2;
  }

  const tree = await openSource(positionals[0]!, values['hub-url']);
  const bar = new ProgressBar(process.stderr);
  const started = Date.now();
  try {
    let bytesRead = 0;
    const result = await convertIntoFolder(tree, resolve(values.out), {
      dtypes: dtypes as Dtype[],
      separateRotary: values['separate-rotary'],
      accuracyLevel,
      onProgress: (p: ConvertProgress) => {
        bytesRead = p.bytesRead;
        bar.update(p.bytesRead, p.bytesTotal, `${p.dtype} ${p.tensor}`);
      },
    });
    bar.done();
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(
      `convert: wrote ${result.files.length} files, ${(result.bytesWritten / 1e6).toFixed(1)} MB, to ${values.out} in ${seconds.toFixed(1)} s\n`,
    );
    if (values.stats) {
      const peakRssBytes = process.resourceUsage().maxRSS * 1024;
      process.stdout.write(`${JSON.stringify({ seconds, bytesRead, bytesWritten: result.bytesWritten, peakRssBytes })}\n`);
    }
    return 0;
  } catch (error) {
    bar.done();
    process.stderr.write(`convert: ${(error as Error).message}\n`);
    return 1;
  } finally {
    if (tree instanceof NodeFileTree) await tree.close();
  }
}

/** A local folder when one exists at that path; otherwise a Hugging Face repo id. */
async function openSource(source: string, hubUrl: string | undefined): Promise<FileTree> {
  const isFolder = await stat(source).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isFolder) return new NodeFileTree(resolve(source));
  const [repo, revision] = source.split('@') as [string, string | undefined];
  return new HubFileTree(repo, { revision, hubUrl, accessToken: process.env.HF_TOKEN });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
