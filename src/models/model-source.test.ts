import { describe, expect, it } from 'vitest';
import { modelFolderUrl, parseModelSource, sourceForFolderUrl } from './model-source';

const ORIGIN = 'http://127.0.0.1:4173';

describe('model sources', () => {
  it('parses each kind of source and finds its folder URL', () => {
    expect(parseModelSource('tiny-planted-qwen2')).toEqual({ kind: 'site', name: 'tiny-planted-qwen2' });
    expect(parseModelSource('local:tiny')).toEqual({ kind: 'local', name: 'tiny' });
    expect(parseModelSource('owner/repo')).toEqual({ kind: 'hub', repo: 'owner/repo' });
    expect(parseModelSource('http://lab.example/models/rm/')).toEqual({ kind: 'url', base: 'http://lab.example/models/', name: 'rm' });
    expect(() => parseModelSource('local:../x')).toThrow(/is not a model name/);
    expect(modelFolderUrl(parseModelSource('local:tiny'), ORIGIN)).toBe(`${ORIGIN}/local-models/tiny/`);
  });

  it('turns a kept folder URL back into the source that loads it', () => {
    for (const source of ['tiny-planted-qwen2', 'local:tiny', 'owner/repo', 'http://lab.example/models/rm']) {
      expect(sourceForFolderUrl(modelFolderUrl(parseModelSource(source), ORIGIN), ORIGIN)).toBe(source);
    }
  });
});
