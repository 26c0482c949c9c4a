import { describe, expect, it } from 'vitest';
import { groupPartialFiles, modelFolderOf, parsePartialMeta, readPartialFileName } from './partial-downloads';

const meta = (url: string, size: number | null) => ({ url, version: '"abc"', size });

describe('partial downloads', () => {
  it('groups unfinished files by model folder, bytes kept of their full sizes', () => {
    const groups = groupPartialFiles([
      { key: 'b1', meta: meta('http://h/models/b/onnx/model_q4.onnx_data', 100), bytes: 40 },
      { key: 'a1', meta: meta('http://h/models/a/tokenizer.json', 10), bytes: 3 },
      { key: 'b2', meta: meta('http://h/models/b/onnx/model_q4.onnx_data_1', 50), bytes: 0 },
      { key: 'lost', meta: null, bytes: 7 },
    ]);
    expect(groups).toEqual([
      { folder: 'http://h/models/a/', keys: ['a1'], keptBytes: 3, totalBytes: 10 },
      { folder: 'http://h/models/b/', keys: ['b1', 'b2'], keptBytes: 40, totalBytes: 150 },
      { folder: null, keys: ['lost'], keptBytes: 7, totalBytes: null },
    ]);
  });

  it('has no total when a file of the folder is of unknown size', () => {
    const [group] = groupPartialFiles([
      { key: 'x', meta: meta('http://h/m/onnx/a', 100), bytes: 1 },
      { key: 'y', meta: meta('http://h/m/onnx/b', null), bytes: 2 },
    ]);
    expect(group).toEqual({ folder: 'http://h/m/', keys: ['x', 'y'], keptBytes: 3, totalBytes: null });
  });

  it('finds the model folder of a file the way the cache list does', () => {
    expect(modelFolderOf('http://h/models/m/onnx/model.onnx')).toBe('http://h/models/m/');
    expect(modelFolderOf('http://h/models/m/config.json')).toBe('http://h/models/m/');
  });

  it('reads the directory names and descriptions it wrote, and nothing else', () => {
    expect(readPartialFileName('0a1b.part')).toEqual({ key: '0a1b', kind: 'part' });
    expect(readPartialFileName('0a1b.json')).toEqual({ key: '0a1b', kind: 'meta' });
    expect(readPartialFileName('0a1b.crswap')).toBeNull();
    expect(parsePartialMeta('{"url":"http://h/m/config.json","version":null,"size":12}')).toEqual({ url: 'http://h/m/config.json', version: null, size: 12 });
    expect(parsePartialMeta('{"version":"x"}')).toBeNull();
    expect(parsePartialMeta('{"url":"u","size":-1}')).toEqual({ url: 'u', version: null, size: null });
    expect(parsePartialMeta('not json')).toBeNull();
  });
});
