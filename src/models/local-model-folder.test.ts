import { describe, expect, it } from 'vitest';
import { planLocalModel } from './local-model-folder';

const file = (path: string, size = 10) => ({ path, size });
const CONVERTED = [
  file('out/tiny/config.json'),
  file('out/tiny/tokenizer.json', 100),
  file('out/tiny/tokenizer_config.json'),
  file('out/tiny/generation_config.json'),
  file('out/tiny/onnx/model_q4.onnx', 1000),
  file('out/tiny/onnx/model_q4.onnx_data', 5000),
  file('out/tiny/.DS_Store', 7),
  file('out/notes.txt', 3),
];

describe('a picked model folder', () => {
  it('finds the model under the folder that holds config.json, named after that folder', () => {
    const plan = planLocalModel(CONVERTED);
    if ('problem' in plan) throw new Error(plan.problem);
    expect(plan.name).toBe('tiny');
    expect([...plan.files.keys()].sort()).toEqual([
      'config.json',
      'generation_config.json',
      'onnx/model_q4.onnx',
      'onnx/model_q4.onnx_data',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(plan.files.get('onnx/model_q4.onnx_data')).toBe(5);
    expect(plan.bytes).toBe(10 + 100 + 10 + 10 + 1000 + 5000);
  });

  it('explains a checkpoint, a folder without a model, and missing tokenizer files', () => {
    expect(planLocalModel([file('ckpt/config.json'), file('ckpt/model.safetensors')])).toEqual({
      problem: expect.stringMatching(/^The folder "ckpt" holds a safetensors checkpoint, not an ONNX build: convert it first/),
    });
    expect(planLocalModel([file('photos/a.jpg')])).toEqual({ problem: expect.stringMatching(/^This folder has no config.json/) });
    expect(planLocalModel([file('m/config.json'), file('m/onnx/model.onnx')])).toEqual({
      problem: 'The folder "m" lacks tokenizer.json, tokenizer_config.json: pick the whole folder `npm run convert` wrote.',
    });
  });
});
