import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertIntoFolder } from '../../src/builder/node/convert-folder';
import { NodeFileTree } from '../../src/builder/node/node-files';
import { MemorySink } from '../../src/builder/artifact-sink';
import { BlobFileTree } from '../../src/builder/byte-source';
import { convertCheckpoint } from '../../src/builder/convert';
import { randomCheckpoint, type TinyShape } from '../../src/fixtures/tiny-models';
import { writeCheckpoint } from '../../src/fixtures/write-checkpoint';
import { Qwen2Reference } from '../reference/qwen2-reference';
import { tempDir } from '../support/checkpoints';
import { greedyWithCache, loadConverted, maxAbsDiff } from '../support/tjs-node';

const SHAPE: TinyShape = { hiddenSize: 32, numLayers: 1, numHeads: 2, numKvHeads: 1, intermediateSize: 32, vocabSize: 64, tied: false, maxPositionEmbeddings: 64 };
const TOKENIZER_FILES = {
  'tokenizer.json': '{"model":{}}',
  'tokenizer_config.json': JSON.stringify({ chat_template: '{{ messages }}' }),
};

/** A valid tiny checkpoint held in memory, as path → bytes, for each test to break in its own way. */
async function validFiles(shards = 1): Promise<Map<string, Uint8Array>> {
  const sink = new MemorySink();
  await writeCheckpoint(sink, randomCheckpoint('refusal', SHAPE, { seed: 3, dtype: 'F32', shards }));
  const files = new Map(sink.files);
  for (const [path, text] of Object.entries(TOKENIZER_FILES)) files.set(path, new TextEncoder().encode(text));
  return files;
}

function treeOf(files: Map<string, Uint8Array>): BlobFileTree {
  return new BlobFileTree('ckpt', new Map([...files].map(([path, bytes]) => [path, new Blob([bytes as Uint8Array<ArrayBuffer>])])));
}

function withConfig(files: Map<string, Uint8Array>, patch: Record<string, unknown>): Map<string, Uint8Array> {
  const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
  files.set('config.json', new TextEncoder().encode(JSON.stringify({ ...config, ...patch })));
  return files;
}

async function refusal(files: Map<string, Uint8Array>, dtypes: ('fp32' | 'q4')[] = ['q4'], chunkLimit?: number): Promise<string> {
  const sink = new MemorySink();
  try {
    await convertCheckpoint(treeOf(files), sink, { dtypes, chunkLimit });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the conversion was expected to be refused');
}

/** Replaces the safetensors header of a single-file checkpoint. */
function withHeader(files: Map<string, Uint8Array>, mutate: (header: Record<string, any>) => void): Map<string, Uint8Array> {
  const bytes = files.get('model.safetensors')!;
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  mutate(header);
  let json = JSON.stringify(header);
  json += ' '.repeat(Math.max(0, length - json.length));
  if (json.length !== length) throw new Error('test helper: header grew');
  const out = bytes.slice();
  out.set(new TextEncoder().encode(json), 8);
  files.set('model.safetensors', out);
  return files;
}

describe('the builder refuses what it does not implement, naming the field', () => {
  it('accepts the untouched checkpoint (so each refusal below is caused by its one change)', async () => {
    const sink = new MemorySink();
    await convertCheckpoint(treeOf(await validFiles()), sink, { dtypes: ['q4'] });
    expect([...sink.files.keys()].sort()).toEqual(
      ['config.json', 'generation_config.json', 'onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
  });

  it('another architecture', async () => {
    // Qwen2 and Llama are built (llama.test.ts); other decoders are refused by name.
    const message = await refusal(withConfig(await validFiles(), { architectures: ['MistralForCausalLM'], model_type: 'mistral' }));
    expect(message).toMatch(/is a "mistral" model; Referee converts and scores Qwen2ForCausalLM \("qwen2"\) and LlamaForCausalLM \("llama"\) decoders only/);
    // A known model_type with another class name is a contradiction, said as one.
    const mixed = await refusal(withConfig(await validFiles(), { architectures: ['MistralForCausalLM'] }));
    expect(mixed).toMatch(/"architectures" is \["MistralForCausalLM"\], but a "qwen2" model is Qwen2ForCausalLM/);
  });

  it('rope_scaling', async () => {
    const message = await refusal(withConfig(await validFiles(), { rope_scaling: { type: 'yarn', factor: 4 } }));
    expect(message).toMatch(/"rope_scaling"/);
  });

  it('sliding-window attention', async () => {
    expect(await refusal(withConfig(await validFiles(), { use_sliding_window: true }))).toMatch(/"use_sliding_window" is true/);
  });

  it('head_dim not a multiple of 16', async () => {
    expect(await refusal(withConfig(await validFiles(), { head_dim: 24 }))).toMatch(/"head_dim" is 24.*multiple of 16/);
  });

  it('query heads not a multiple of kv heads', async () => {
    expect(await refusal(withConfig(await validFiles(), { num_key_value_heads: 3 }))).toMatch(/"num_key_value_heads" \(3\)/);
  });

  it('a missing tensor', async () => {
    const files = withHeader(await validFiles(), (h) => {
      delete h['model.layers.0.mlp.up_proj.weight'];
    });
    expect(await refusal(files)).toMatch(/missing tensor model\.layers\.0\.mlp\.up_proj\.weight/);
  });

  it('a tensor of the wrong shape', async () => {
    const files = withHeader(await validFiles(), (h) => {
      h['model.layers.0.mlp.up_proj.weight'].shape = [16, 64];
    });
    expect(await refusal(files)).toMatch(/model\.layers\.0\.mlp\.up_proj\.weight has shape \[16,64\], config\.json implies \[32,32\]/);
  });

  it('a corrupt safetensors header', async () => {
    const files = await validFiles();
    const bytes = files.get('model.safetensors')!.slice();
    bytes.set(new TextEncoder().encode('{{{{'), 8);
    files.set('model.safetensors', bytes);
    expect(await refusal(files)).toMatch(/corrupt safetensors header/);
  });

  it('a header length past the end of the file', async () => {
    const files = await validFiles();
    const bytes = files.get('model.safetensors')!.slice();
    new DataView(bytes.buffer).setBigUint64(0, 10n ** 9n, true);
    files.set('model.safetensors', bytes);
    expect(await refusal(files)).toMatch(/corrupt or truncated safetensors header/);
  });

  it('a truncated file', async () => {
    const files = await validFiles();
    const bytes = files.get('model.safetensors')!;
    files.set('model.safetensors', bytes.subarray(0, bytes.length - 100));
    expect(await refusal(files)).toMatch(/truncated: tensor .* ends at byte \d+, the file has \d+/);
  });

  it('a shard named in the index that is missing', async () => {
    const files = await validFiles(2);
    files.delete('model-00002-of-00002.safetensors');
    expect(await refusal(files)).toMatch(/shard model-00002-of-00002\.safetensors named in the index is missing/);
  });

  it('no tokenizer.json', async () => {
    const files = await validFiles();
    files.delete('tokenizer.json');
    expect(await refusal(files)).toMatch(/no tokenizer\.json/);
  });

  it('a tokenizer without a chat template', async () => {
    const files = await validFiles();
    files.set('tokenizer_config.json', new TextEncoder().encode('{}'));
    expect(await refusal(files)).toMatch(/no "chat_template"/);
  });

  it('a tensor larger than one external-data chunk', async () => {
    // Vocab-sized matrices are split to fit; a 32×32 float32 projection (4 kB) cannot be.
    expect(await refusal(await validFiles(), ['fp32'], 2048)).toMatch(/model\.layers\.0\.self_attn\.q_proj\.weight takes 4096 bytes, over the 2048-byte/);
  });
});

describe('writing the output folder', () => {
  let root = '';
  let source = '';
  beforeAll(async () => {
    root = await tempDir('folder');
    source = join(root, 'checkpoint');
    await mkdir(source);
    for (const [path, bytes] of await validFiles()) await writeFile(join(source, path), bytes);
  });

  it('leaves no folder (and no staging folder) when a conversion fails', async () => {
    const broken = join(root, 'broken');
    await mkdir(broken);
    for (const [path, bytes] of await validFiles()) await writeFile(join(broken, path), bytes);
    const full = await readFile(join(broken, 'model.safetensors'));
    // Valid header, data cut short: detected while converting, after other files were staged.
    await writeFile(join(broken, 'model.safetensors'), full.subarray(0, full.length - 64));
    const tree = new NodeFileTree(broken);
    await expect(convertIntoFolder(tree, join(root, 'out-broken'), { dtypes: ['fp32'] })).rejects.toThrow(/truncated/);
    await tree.close();
    const left = await readdir(root);
    expect(left.filter((name) => name.includes('out-broken'))).toEqual([]);
  });

  it('keeps an existing folder complete when adding a dtype fails', async () => {
    const out = join(root, 'out-existing');
    const tree = new NodeFileTree(source);
    await convertIntoFolder(tree, out, { dtypes: ['fp32'] });
    await tree.close();
    const before = await readFile(join(out, 'config.json'), 'utf8');

    const broken = join(root, 'broken-2');
    await mkdir(broken);
    for (const [path, bytes] of withConfig(await validFiles(), {})) await writeFile(join(broken, path), bytes);
    const full = await readFile(join(broken, 'model.safetensors'));
    await writeFile(join(broken, 'model.safetensors'), full.subarray(0, full.length - 64));
    const brokenTree = new NodeFileTree(broken);
    await expect(convertIntoFolder(brokenTree, out, { dtypes: ['q4'] })).rejects.toThrow();
    await brokenTree.close();

    expect(await readFile(join(out, 'config.json'), 'utf8')).toBe(before);
    expect((await readdir(join(out, 'onnx'))).sort()).toEqual(['model.onnx', 'model.onnx_data']);
    expect((await readdir(root)).filter((name) => name.startsWith('.out-existing'))).toEqual([]);
  });

  it('splits external data into chunks under the limit and declares their count', async () => {
    const out = join(root, 'out-chunked');
    const tree = new NodeFileTree(source);
    await convertIntoFolder(tree, out, { dtypes: ['fp32'], chunkLimit: 10_000 });
    await tree.close();
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    const chunks = (await readdir(join(out, 'onnx'))).filter((f) => f.startsWith('model.onnx_data'));
    expect(chunks.length).toBeGreaterThan(2);
    expect(config['transformers.js_config'].use_external_data_format['model.onnx']).toBe(chunks.length);
    for (const chunk of chunks) expect((await stat(join(out, 'onnx', chunk))).size).toBeLessThanOrEqual(10_000);

    // Transformers.js finds every chunk from that count, and the model computes what the checkpoint does.
    const model = await loadConverted(out, 'fp32');
    const onnx = await greedyWithCache(model, [1, 2, 3, 4], 3);
    await model.dispose();
    const reference = (await Qwen2Reference.load(source)).greedy([1, 2, 3, 4], 3);
    expect(onnx.tokens).toEqual(reference.tokens);
    onnx.rows.forEach((row, i) => expect(maxAbsDiff(row, reference.logits[i]!)).toBeLessThanOrEqual(1e-4));
  });
});
