import { describe, expect, it } from 'vitest';
import { main as evaluate } from '../../src/cli/evaluate';
import { main as score } from '../../src/cli/score';
import { main as serve } from '../../src/cli/serve';

/** `--help` of each command that prints through the CLI's io: plain text, no escape turned into a control character. */
describe('help texts', () => {
  for (const [name, main] of [['score', score], ['evaluate', evaluate], ['serve', serve]] as const) {
    it(`npm run ${name} -- --help prints no control characters (a "\\b" in a template string is a backspace)`, async () => {
      let out = '';
      const io = { stdout: (text: string) => void (out += text), stderr: (text: string) => void (out += text), stdin: async () => new Uint8Array() };
      expect(await main(['--help'], io)).toBe(0);
      expect(out).toMatch(/^usage: npm run /);
      // eslint-disable-next-line no-control-regex
      expect(out.match(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g) ?? []).toEqual([]);
    });
  }
  it('score explains --counterfactual with the box written out', async () => {
    let out = '';
    await score(['--help'], { stdout: (text: string) => void (out += text), stderr: () => {}, stdin: async () => new Uint8Array() });
    expect(out).toContain('a \\boxed{})');
  });
});
