import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listServedModels } from '../../src/site/models-middleware';

describe('listServedModels', () => {
  it('lists the folders that hold a config and ONNX builds, with their dtypes, and nothing else', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'referee-served-'));
    const model = (name: string, files: string[], config = true) => {
      mkdirSync(path.join(root, name, 'onnx'), { recursive: true });
      if (config) writeFileSync(path.join(root, name, 'config.json'), '{}');
      for (const file of files) writeFileSync(path.join(root, name, 'onnx', file), '');
    };
    model('b-model', ['model_q4.onnx', 'model_q4.onnx_data', 'model_q4f16.onnx']);
    model('a-model', ['model.onnx', 'model_fp16.onnx']);
    model('no-config', ['model_q4.onnx'], false);
    model('checkpoint-only', ['model.safetensors']);
    writeFileSync(path.join(root, 'stray.json'), '{}');
    expect(listServedModels(root)).toEqual([
      { name: 'a-model', dtypes: ['fp16', 'fp32'] },
      { name: 'b-model', dtypes: ['q4', 'q4f16'] },
    ]);
    expect(listServedModels(path.join(root, 'absent'))).toEqual([]);
  });
});
