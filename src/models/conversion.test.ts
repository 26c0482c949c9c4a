import { describe, expect, it } from 'vitest';
import { conversionStorageRefusal, convertedModelName, describeConversion, describeConversionPlan } from './conversion';
import { parseModelSource } from './model-source';

describe('convertedModelName', () => {
  it('is the repo or folder name, safe for a local: source', () => {
    expect(convertedModelName(parseModelSource('alpha-research/AlphaResearch-RM-Qwen-7B'))).toBe('AlphaResearch-RM-Qwen-7B');
    expect(convertedModelName(parseModelSource('http://127.0.0.1:9/checkpoints/tiny-planted-qwen2/'))).toBe('tiny-planted-qwen2');
    expect(convertedModelName(parseModelSource('tiny'))).toBe('tiny');
  });
  it('refuses a model already kept here', () => {
    expect(() => convertedModelName(parseModelSource('local:x'))).toThrow('already kept in this browser');
  });
});

describe('conversionStorageRefusal', () => {
  const figures = { bytesToRead: 15e9, bytesToStore: 5e9, largestFile: 2e9 };
  it('counts the converted files plus the largest one held twice while it moves', () => {
    expect(conversionStorageRefusal(figures, { quota: 7e9, usage: 0 })).toBeNull();
    expect(conversionStorageRefusal(figures, { quota: 6.9e9, usage: 0 })).toMatch(/^The converted model is 5000 MB to keep \(plus 2000 MB for a moment, .* only 6900 MB more/);
  });
  it('subtracts what an earlier run already converted and kept', () => {
    expect(conversionStorageRefusal(figures, { quota: 7e9, usage: 3e9 }, 3e9)).toBeNull();
    expect(conversionStorageRefusal(figures, { quota: 7e9, usage: 3e9 }, 0)).not.toBeNull();
  });
  it('says nothing when the browser gives no estimate', () => {
    expect(conversionStorageRefusal(figures, {})).toBeNull();
  });
});

describe('describing a conversion', () => {
  it('gives download, storage, free room and a rough time before it starts', () => {
    const text = describeConversionPlan({ bytesToRead: 15.2e9, bytesToStore: 5.1e9, largestFile: 2e9 }, { quota: 20e9, usage: 8e9 });
    expect(text).toBe(
      'Reads 15.20 GB of checkpoint, keeps 5.10 GB (12.00 GB free here). Converting takes roughly 4 min on a 2-core machine, plus the download at your connection\'s speed.',
    );
  });
  it('reads progress as converted and read bytes, then as keeping', () => {
    expect(describeConversion({ phase: 'convert', bytesRead: 2e6, bytesToRead: 10e6, bytesStored: 1e6, bytesToStore: 4e6 })).toBe('Converted 1.0 MB of 4.0 MB · read 2.0 MB of 10.0 MB');
    expect(describeConversion({ phase: 'store', bytesRead: 10e6, bytesToRead: 10e6, bytesStored: 3e6, bytesToStore: 4e6 })).toBe('Keeping the converted files: 3.0 MB of 4.0 MB');
  });
});
