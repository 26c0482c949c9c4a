// Smoke test for onnxruntime-node's native WebGPU EP (Dawn). On a GPU-less machine:
//   bash scripts/lavapipe.sh && source .lavapipe/env.sh && node scripts/webgpu-smoke.mjs
// Flags:
//   --verbose   ORT verbose logging (env.logLevel + session logSeverityLevel 0): node placements, Dawn/adapter lines
//   --profile   session enableProfiling; prints per-EP node counts and per-run WebGPU dispatches from the trace
//   --cpu       run the same model on the CPU EP (reference)
// Model (symbolic batch dim N so Shape/Gather can't be constant-folded):
//   s = a + b;  p = s * s;  n = Cast<float>(Gather(Shape(s), 1));  y = p + n
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const args = new Set(process.argv.slice(2));
const verbose = args.has('--verbose');
const profile = args.has('--profile');
const ep = args.has('--cpu') ? 'cpu' : 'webgpu';

function valueInfo(name, elemType, dims) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function buildModel() {
  const F = onnx.TensorProto.DataType.FLOAT;
  const I64 = onnx.TensorProto.DataType.INT64;
  const graph = {
    name: 'smoke',
    node: [
      { name: 'add', opType: 'Add', input: ['a', 'b'], output: ['s'] },
      { name: 'square', opType: 'Mul', input: ['s', 's'], output: ['p'] },
      { name: 'shape', opType: 'Shape', input: ['s'], output: ['shp'] },
      {
        name: 'gather',
        opType: 'Gather',
        input: ['shp', 'idx'],
        output: ['dim1'],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      },
      {
        name: 'cast',
        opType: 'Cast',
        input: ['dim1'],
        output: ['dim1f'],
        attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: F }],
      },
      { name: 'add_dim', opType: 'Add', input: ['p', 'dim1f'], output: ['y'] },
    ],
    initializer: [{ name: 'idx', dataType: I64, dims: [], int64Data: [1] }],
    input: [valueInfo('a', F, ['N', 3]), valueInfo('b', F, ['N', 3])],
    output: [valueInfo('y', F, ['N', 3])],
  };
  const model = {
    irVersion: 8,
    producerName: 'webgpu-smoke',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function summarizeProfile(file) {
  const events = JSON.parse(fs.readFileSync(file, 'utf8'));
  // Kernel events: cat "Node", name "<node>_kernel_time", args.provider = EP that ran the node (one per node per run).
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').length;
  const perEp = {};
  for (const e of kernels) {
    const epName = e.args?.provider ?? '?';
    perEp[epName] ??= new Set();
    perEp[epName].add(e.args?.node_index ?? e.name);
  }
  // WebGPU EP with profiling on also writes GPU timestamp events, one per compute dispatch (cat "Api").
  const gpu = events.filter((e) => e.cat === 'Api');
  return {
    runs,
    nodesPerEp: Object.fromEntries(Object.entries(perEp).map(([k, v]) => [k, v.size])),
    kernelNodes: [...new Set(kernels.map((e) => `${e.name.replace(/_kernel_time$/, '')}@${e.args?.provider}`))],
    gpuDispatchEvents: gpu.length,
    gpuDispatchesPerRun: runs ? gpu.length / runs : undefined,
    gpuDispatchNames: [...new Set(gpu.map((e) => e.name))],
  };
}

async function main() {
  if (verbose) ort.env.logLevel = 'verbose';
  console.log('onnxruntime-node', ort.env.versions?.node ?? '', 'backends:', JSON.stringify(ort.listSupportedBackends?.()));
  const tmp = profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-smoke-')) : '';
  const options = {
    executionProviders: [ep === 'cpu' ? 'cpu' : { name: 'webgpu', validationMode: 'basic' }],
    ...(verbose ? { logSeverityLevel: 0 } : {}),
    ...(profile ? { enableProfiling: true, profileFilePrefix: path.join(tmp, 'ort_profile') } : {}),
  };
  const session = await ort.InferenceSession.create(buildModel(), options);
  const a = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
  const b = new ort.Tensor('float32', Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), [2, 3]);
  let y;
  for (let i = 0; i < 2; i++) y = (await session.run({ a, b })).y;
  const got = Array.from(y.data);
  const want = [1, 2, 3, 4, 5, 6].map((v) => (v + 0.5) ** 2 + 3);
  const ok = got.every((v, i) => Math.abs(v - want[i]) < 1e-5);
  console.log(`ep=${ep} y=${JSON.stringify(got)} dims=${JSON.stringify(y.dims)} ${ok ? 'OK' : 'MISMATCH want ' + JSON.stringify(want)}`);
  console.log('adapter info: not exposed by the onnxruntime-node JS API (use --verbose for Dawn/EP log lines)');
  if (profile) {
    await session.endProfiling(); // writes the trace; onnxruntime-node prints nothing, so find the file
    const file = fs.readdirSync(tmp).filter((f) => f.endsWith('.json')).map((f) => path.join(tmp, f))[0];
    console.log('profile:', file);
    console.log(JSON.stringify(summarizeProfile(file), null, 2));
  }
  await session.release();
  if (!ok) process.exitCode = 1;
}

main().catch((e) => {
  console.error('webgpu smoke FAILED:', e?.message ?? e);
  process.exitCode = 1;
});
