import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFileTree } from '../../src/builder/node/node-files';
import { writeSynthetic7B } from '../../src/bench/synthetic-7b';
import { planConversion } from '../../src/builder/convert';
import { estimateModelMemory } from '../../src/models/model-memory';
import { tempDir } from '../support/checkpoints';

/**
 * The full 28-layer Qwen2.5-7B-shaped build, sized file by file by the converter's own plan (headers only:
 * the checkpoint's weights are a sparse-file hole), against the 4.4 GB and the memory estimate.
 */
describe('the 7B builds, as the converter writes them', () => {
  let root = '';
  let tree: NodeFileTree;
  beforeAll(async () => {
    root = await tempDir('size-7b');
    await writeSynthetic7B(join(root, 'checkpoint'), 28, { headersOnly: true });
    tree = new NodeFileTree(join(root, 'checkpoint'));
  });
  afterAll(async () => {
    await tree.close();
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ['q4f16', 4.4e9],
    ['q4', 4.9e9],
  ] as const)('%s: every file sized, in total at most %d bytes, within 1% of the memory estimate', async (dtype, limit) => {
    const plan = await planConversion(tree, { dtypes: [dtype] });
    const weights = [...plan.files].filter(([name]) => name.startsWith('onnx/')).reduce((sum, [, size]) => sum + size, 0);
    console.info(`7B ${dtype}: ${(plan.bytesToStore / 1e9).toFixed(3)} GB in ${plan.files.size} files (onnx/ ${(weights / 1e9).toFixed(3)} GB)`);
    expect(plan.bytesToStore).toBeLessThanOrEqual(limit);
    // Every external-data chunk stays under the 2 GB that browsers and onnxruntime-web accept.
    for (const [name, size] of plan.files) if (name.includes('onnx_data')) expect(size, name).toBeLessThan(2e9);
    const estimate = estimateModelMemory(JSON.parse(await readFile(join(root, 'checkpoint', 'config.json'), 'utf8')) as Record<string, unknown>, dtype, 0).totalBytes;
    expect(Math.abs(weights - estimate) / estimate).toBeLessThan(0.01);
  });
});
