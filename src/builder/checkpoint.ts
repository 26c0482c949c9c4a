import { readJson, type FileTree } from './byte-source';
import { expectedDecoderTensors, parseDecoderConfig, UnsupportedModelError, type DecoderSpec } from './decoder-config';
import { readSafetensorsHeader, type TensorInfo } from './safetensors';

/** A Hugging Face checkpoint whose tensors have all been located and shape-checked, none read yet. */
export interface Checkpoint {
  readonly config: Record<string, unknown>;
  readonly spec: DecoderSpec;
  tensor(name: string): TensorInfo;
  /** Total bytes of the tensors the builder will read. */
  readonly bytesToRead: number;
}

export async function openCheckpoint(tree: FileTree): Promise<Checkpoint> {
  const configSource = await tree.open('config.json');
  if (!configSource) throw new UnsupportedModelError(`${tree.name}: no config.json`);
  const config = (await readJson(configSource)) as Record<string, unknown>;
  const spec = parseDecoderConfig(config);

  const tensors = new Map<string, TensorInfo>();
  const index = await tree.open('model.safetensors.index.json');
  if (index) {
    const weightMap = ((await readJson(index)) as { weight_map?: Record<string, string> }).weight_map;
    if (!weightMap || typeof weightMap !== 'object') {
      throw new UnsupportedModelError(`${tree.name}: model.safetensors.index.json has no "weight_map"`);
    }
    for (const shard of new Set(Object.values(weightMap))) {
      const source = await tree.open(shard);
      if (!source) throw new UnsupportedModelError(`${tree.name}: shard ${shard} named in the index is missing`);
      for (const [name, info] of await readSafetensorsHeader(source)) tensors.set(name, info);
    }
  } else {
    const single = await tree.open('model.safetensors');
    if (!single) throw new UnsupportedModelError(`${tree.name}: no model.safetensors or model.safetensors.index.json`);
    for (const [name, info] of await readSafetensorsHeader(single)) tensors.set(name, info);
  }

  let bytesToRead = 0;
  for (const [name, shape] of expectedDecoderTensors(spec)) {
    const info = tensors.get(name);
    if (!info) throw new UnsupportedModelError(`${tree.name}: missing tensor ${name} (expected shape ${JSON.stringify(shape)})`);
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      throw new UnsupportedModelError(
        `${tree.name}: tensor ${name} has shape ${JSON.stringify(info.shape)}, config.json implies ${JSON.stringify(shape)}`,
      );
    }
    bytesToRead += info.byteLength;
  }

  return {
    config,
    spec,
    bytesToRead,
    tensor(name: string): TensorInfo {
      const info = tensors.get(name);
      if (!info) throw new UnsupportedModelError(`${tree.name}: missing tensor ${name}`);
      return info;
    },
  };
}
