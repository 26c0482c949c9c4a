import { describe, expect, it } from 'vitest';
import { modelFilesFor, storageRefusal } from './model-files';

describe('model files and storage', () => {
  const config = { 'transformers.js_config': { use_external_data_format: { 'model_q4f16.onnx': 3, 'model_q4.onnx': 1 } } };

  it('lists what Transformers.js fetches for a dtype, external-data chunks included', () => {
    expect(modelFilesFor(config, 'q4f16')).toEqual([
      'config.json',
      'generation_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model_q4f16.onnx',
      'onnx/model_q4f16.onnx_data',
      'onnx/model_q4f16.onnx_data_1',
      'onnx/model_q4f16.onnx_data_2',
    ]);
    expect(modelFilesFor(config, 'fp32').slice(4)).toEqual(['onnx/model.onnx']);
    expect(modelFilesFor({ 'transformers.js_config': { use_external_data_format: true } }, 'q4').slice(4)).toEqual(['onnx/model_q4.onnx', 'onnx/model_q4.onnx_data']);
  });

  it('refuses a download larger than the free quota, and says how much is free', () => {
    expect(storageRefusal(5_100_000_000, { quota: 6_000_000_000, usage: 2_000_000_000 })).toBe(
      'The model is 5100 MB to download, but this browser lets Referee store only 4000 MB more. ' +
        'Free some space (delete kept models below, or other sites’ data), or use a browser profile with more room.',
    );
    expect(storageRefusal(100, { quota: 1000, usage: 900 })).toBeNull();
    expect(storageRefusal(100, {})).toBeNull();
    expect(storageRefusal(60, { quota: 1000, usage: 900 }, 50)).toMatch(/^The model is 0 MB to download \(plus 0 MB for a moment, while its largest file is stored\)/);
    expect(storageRefusal(50, { quota: 1000, usage: 900 }, 50)).toBeNull();
    expect(storageRefusal(5_100_000_000, { quota: 1_000_000_000 }, 0, 'keep')).toMatch(/^The model is 5100 MB to keep, but this browser lets Referee store only 1000 MB more\./);
  });
});
