import { describe, expect, it } from 'vitest';
import { chooseBackend, describeAdapter, softwareRenderer, type AdapterFacts, type BackendInputs } from './backend-choice';
import { estimateModelMemory } from '../models/model-memory';

/** What Chromium 156 reports with --enable-unsafe-webgpu and no GPU (probed in Playwright). */
const SWIFTSHADER: AdapterFacts = { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true, shaderF16: false, maxBufferSize: 2 ** 30 };
const LAVAPIPE: AdapterFacts = { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 19.1.7, 256 bits)', shaderF16: true };
const NVIDIA: AdapterFacts = { vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false, shaderF16: true, maxBufferSize: 2 ** 40 };
const GPU_NO_F16: AdapterFacts = { vendor: 'intel', architecture: 'gen-9', shaderF16: false };

const QWEN2 = { hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, intermediate_size: 128, vocab_size: 1000 };
const QWEN25_7B = { hidden_size: 3584, num_attention_heads: 28, num_key_value_heads: 4, num_hidden_layers: 28, intermediate_size: 18944, vocab_size: 152064 };
const TINY = estimateModelMemory(QWEN2, 'q4');
const BIG = estimateModelMemory(QWEN25_7B, 'q4');

const auto = (adapter: AdapterFacts | null, more: Partial<BackendInputs> = {}) =>
  chooseBackend({ preference: 'auto', preferenceFrom: 'setting', adapter, wasmMemory: TINY, ...more });

describe('software adapters', () => {
  it('are recognised by isFallbackAdapter or by name', () => {
    expect(softwareRenderer(SWIFTSHADER)).toBe('SwiftShader');
    expect(softwareRenderer({ shaderF16: false, description: 'SwiftShader Device (Subzero)' })).toBe('SwiftShader');
    expect(softwareRenderer({ shaderF16: true, device: 'Vulkan lavapipe' })).toBe('lavapipe');
    expect(softwareRenderer(LAVAPIPE)).toBe('llvmpipe');
    expect(softwareRenderer({ shaderF16: false, description: 'Microsoft Basic Render Driver' })).toBe('Microsoft Basic Render Driver');
    expect(softwareRenderer({ shaderF16: false, description: 'Some software rasterizer' })).toBe('a software renderer');
    expect(softwareRenderer({ shaderF16: false, isFallbackAdapter: true })).toBe('a software renderer');
    expect(softwareRenderer(NVIDIA)).toBeNull();
    expect(softwareRenderer({ shaderF16: false })).toBeNull();
  });

  it('are described with shader-f16 and the buffer limit', () => {
    expect(describeAdapter(SWIFTSHADER)).toBe('google swiftshader (software renderer), without shader-f16, buffers up to 1.1 GB');
    expect(describeAdapter(NVIDIA)).toBe('nvidia hopper, with shader-f16, buffers up to 1099.5 GB');
    expect(describeAdapter({ shaderF16: false })).toBe('unnamed, without shader-f16');
    expect(describeAdapter(null)).toBe('none in this browser');
  });
});

describe('chooseBackend, Automatic', () => {
  it('runs on WASM without an adapter', () => {
    expect(auto(null)).toEqual({ ok: true, device: 'wasm', dtype: 'q4', reason: 'WASM: this browser offers no WebGPU adapter.' });
    expect(auto(null, { dtype: 'fp32' })).toMatchObject({ device: 'wasm', dtype: 'fp32' });
  });

  it('runs a model that fits WASM on WASM when the adapter is a software renderer, and says why', () => {
    expect(auto(SWIFTSHADER)).toEqual({
      ok: true,
      device: 'wasm',
      dtype: 'q4',
      reason:
        "WASM: this browser's WebGPU adapter is a software renderer (SwiftShader), which runs models about 50× slower than WASM; choose WebGPU under Backend to use it anyway.",
    });
    // Even one that offers shader-f16: the asked-for dtype goes with it to WASM.
    expect(auto(LAVAPIPE, { dtype: 'q4f16' })).toMatchObject({ device: 'wasm', dtype: 'q4f16', reason: expect.stringMatching(/software renderer \(llvmpipe\)/) });
    expect(auto({ shaderF16: false, isFallbackAdapter: true })).toMatchObject({
      device: 'wasm',
      reason: expect.stringMatching(/^WASM: this browser's WebGPU adapter is a software renderer, which/),
    });
    // A model whose size is unknown (its config could not be read) goes to WASM too; its load says why it fails.
    expect(auto(SWIFTSHADER, { wasmMemory: undefined })).toMatchObject({ device: 'wasm' });
  });

  it('keeps a model too big for WASM (7B) on the software adapter, saying so', () => {
    expect(auto(SWIFTSHADER, { wasmMemory: BIG })).toEqual({
      ok: true,
      device: 'webgpu',
      dtype: 'q4',
      reason: `WebGPU on a software renderer (SwiftShader), which is slow, because this model (about ${(BIG.totalBytes / 1e9).toFixed(1)} GB) is too big for WASM's 4 GB.`,
    });
    expect(auto(LAVAPIPE, { wasmMemory: BIG })).toMatchObject({ device: 'webgpu', dtype: 'q4f16' });
  });

  it('runs on a hardware GPU: q4f16 with shader-f16, else q4, or the dtype asked for', () => {
    expect(auto(NVIDIA)).toEqual({ ok: true, device: 'webgpu', dtype: 'q4f16', reason: 'WebGPU: this browser has a GPU adapter.' });
    expect(auto(GPU_NO_F16)).toMatchObject({ device: 'webgpu', dtype: 'q4' });
    expect(auto(NVIDIA, { dtype: 'fp32' })).toMatchObject({ device: 'webgpu', dtype: 'fp32' });
    expect(auto(NVIDIA, { wasmMemory: BIG })).toMatchObject({ device: 'webgpu', dtype: 'q4f16' });
  });

  it('refuses a float16 dtype on a GPU without shader-f16', () => {
    expect(auto(GPU_NO_F16, { dtype: 'q4f16' })).toEqual({ ok: false, message: 'q4f16 needs a GPU with shader-f16, which this adapter lacks; use q4.' });
    expect(auto(GPU_NO_F16, { dtype: 'fp16' })).toMatchObject({ ok: false, message: expect.stringMatching(/^fp16 needs a GPU with shader-f16/) });
  });
});

describe('chooseBackend, chosen by the user', () => {
  it('WASM runs on WASM whatever the adapter, naming where the choice came from', () => {
    expect(chooseBackend({ preference: 'wasm', preferenceFrom: 'setting', adapter: NVIDIA })).toEqual({
      ok: true,
      device: 'wasm',
      dtype: 'q4',
      reason: 'WASM, as chosen under Backend.',
    });
    expect(chooseBackend({ preference: 'wasm', preferenceFrom: 'address', adapter: null, dtype: 'fp32' })).toEqual({
      ok: true,
      device: 'wasm',
      dtype: 'fp32',
      reason: 'WASM, as the address asks (?device=wasm).',
    });
  });

  it('WebGPU runs on a software adapter when chosen, with a warning', () => {
    expect(chooseBackend({ preference: 'webgpu', preferenceFrom: 'setting', adapter: SWIFTSHADER, wasmMemory: TINY })).toEqual({
      ok: true,
      device: 'webgpu',
      dtype: 'q4',
      reason: 'WebGPU, as chosen under Backend, on a software renderer (SwiftShader): expect it to be about 50× slower than WASM.',
    });
    expect(chooseBackend({ preference: 'webgpu', preferenceFrom: 'address', adapter: NVIDIA })).toEqual({
      ok: true,
      device: 'webgpu',
      dtype: 'q4f16',
      reason: 'WebGPU, as the address asks (?device=webgpu).',
    });
  });

  it('WebGPU without an adapter, or a float16 dtype without shader-f16, is refused with the way out', () => {
    expect(chooseBackend({ preference: 'webgpu', preferenceFrom: 'setting', adapter: null })).toEqual({
      ok: false,
      message: 'WebGPU was asked for, but this browser offers no WebGPU adapter; choose Automatic or WASM under Backend.',
    });
    expect(chooseBackend({ preference: 'webgpu', preferenceFrom: 'address', adapter: SWIFTSHADER, dtype: 'q4f16' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^q4f16 needs a GPU with shader-f16/),
    });
  });
});
