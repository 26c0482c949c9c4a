import { DEFAULT_CHUNK_LIMIT, DTYPE_SUFFIX } from '../models/model-files';
import { PlanningSink, type ArtifactSink } from './artifact-sink';
import { readJson, readText, type FileTree } from './byte-source';
import { openCheckpoint, type Checkpoint } from './checkpoint';
import { ExternalDataWriter } from './external-data';
import { GraphBuilder } from './onnx-graph';
import { UnsupportedModelError } from './decoder-config';
import type { Architecture } from '../models/architectures';
import { OPSET_IMPORTS, type DecoderGraphBuilder } from './decoder-graph';
import { LlamaGraphBuilder } from './llama-graph';
import { Qwen2GraphBuilder } from './qwen2-graph';
import { type Dtype } from '../models/types';

export interface ConvertOptions {
  readonly dtypes: readonly Dtype[];
  readonly separateRotary?: boolean;
  readonly accuracyLevel?: number;
  readonly chunkLimit?: number;
  /** config.json of a folder the output will be merged into (so several dtypes can share one folder). */
  readonly existingConfig?: Record<string, unknown> | null;
  readonly onProgress?: (progress: ConvertProgress) => void;
}

export interface ConvertProgress {
  readonly dtype: Dtype;
  readonly tensor: string;
  /** Source bytes read so far over all dtypes, and the total that will be read. */
  readonly bytesRead: number;
  readonly bytesTotal: number;
  /** Weight bytes in the output so far, those a resumed run kept included. */
  readonly bytesStored: number;
}

export interface ConvertResult {
  readonly files: string[];
  readonly chunkCounts: Record<string, number>;
  readonly bytesWritten: number;
  /** Source bytes a full (not resumed) run reads. */
  readonly bytesToRead: number;
}

/**
 * Bump when the bytes the builder writes change: a resumed browser conversion keeps output only from a run
 * of the same format.
 */
export const CONVERTER_FORMAT = 1;


/** The graph builder of each architecture the converter takes. */
const GRAPH_BUILDERS: Record<Architecture, new (...args: ConstructorParameters<typeof Qwen2GraphBuilder>) => DecoderGraphBuilder> = {
  qwen2: Qwen2GraphBuilder,
  llama: LlamaGraphBuilder,
};

/** Converts a Qwen2 or Llama checkpoint into a folder Transformers.js loads, one ONNX model per dtype. */
export async function convertCheckpoint(tree: FileTree, sink: ArtifactSink, options: ConvertOptions): Promise<ConvertResult> {
  const checkpoint = await openCheckpoint(tree);
  const tokenizerFiles = await readTokenizerFiles(tree);
  const files: string[] = [];
  const chunkCounts: Record<string, number> = {};
  let bytesWritten = 0;
  let bytesRead = 0;
  const bytesTotal = checkpoint.bytesToRead * options.dtypes.length + extraReads(checkpoint) * options.dtypes.length;

  for (const dtype of options.dtypes) {
    const modelFile = `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`;
    let tensor = '';
    const report = () => options.onProgress?.({ dtype, tensor, bytesRead, bytesTotal, bytesStored: bytesWritten + external.bytesWritten });
    const external = new ExternalDataWriter(sink, modelFile, options.chunkLimit ?? DEFAULT_CHUNK_LIMIT, report);
    const graph = new GraphBuilder(external);
    await new GRAPH_BUILDERS[checkpoint.spec.architecture](checkpoint, graph, {
      dtype,
      separateRotary: options.separateRotary,
      accuracyLevel: options.accuracyLevel,
      maxTensorBytes: options.chunkLimit ?? DEFAULT_CHUNK_LIMIT,
      onRead: (name, bytes) => {
        bytesRead += bytes;
        tensor = name;
        report();
      },
    }).build();
    await external.close();
    const encoded = graph.encode(`${checkpoint.spec.architecture}_${dtype}`, OPSET_IMPORTS);
    await writeFile(sink, modelFile, encoded);
    const fileName = modelFile.slice('onnx/'.length);
    for (let i = 0; i < external.chunkCount; i++) files.push(`onnx/${fileName}_data${i === 0 ? '' : `_${i}`}`);
    files.push(modelFile);
    chunkCounts[fileName] = external.chunkCount;
    bytesWritten += external.bytesWritten + encoded.length;
  }

  for (const [path, text] of tokenizerFiles) {
    await writeFile(sink, path, new TextEncoder().encode(text));
    files.push(path);
  }
  const generationConfig = await readGenerationConfig(tree, checkpoint);
  await writeFile(sink, 'generation_config.json', json(generationConfig));
  const config = makeOutputConfig(checkpoint.config, options.existingConfig ?? null, chunkCounts, options);
  await writeFile(sink, 'config.json', json(config));
  files.push('generation_config.json', 'config.json');
  return { files, chunkCounts, bytesWritten, bytesToRead: bytesTotal };
}

export interface ConversionPlan {
  /** Every file the conversion writes, with its size. */
  readonly files: ReadonlyMap<string, number>;
  readonly bytesToStore: number;
  readonly bytesToRead: number;
}

/** What a conversion will read and write, from the checkpoint's headers alone (no weight is read). */
export async function planConversion(tree: FileTree, options: Omit<ConvertOptions, 'onProgress'>): Promise<ConversionPlan> {
  const sink = new PlanningSink();
  const result = await convertCheckpoint(tree, sink, options);
  const bytesToStore = [...sink.sizes.values()].reduce((a, b) => a + b, 0);
  return { files: sink.sizes, bytesToStore, bytesToRead: result.bytesToRead };
}

/** Tied models read the embedding twice (table and lm_head). */
function extraReads(checkpoint: Checkpoint): number {
  return checkpoint.spec.tieWordEmbeddings ? checkpoint.tensor('model.embed_tokens.weight').byteLength : 0;
}

/**
 * The source config plus what Transformers.js needs to find the external data of every dtype in the folder
 * (merged with what an earlier conversion into the same folder declared).
 */
export function makeOutputConfig(
  sourceConfig: Record<string, unknown>,
  existingConfig: Record<string, unknown> | null,
  chunkCounts: Record<string, number>,
  options: Pick<ConvertOptions, 'separateRotary' | 'accuracyLevel' | 'dtypes'>,
): Record<string, unknown> {
  const existingJs = (existingConfig?.['transformers.js_config'] ?? {}) as Record<string, unknown>;
  const existingExternal = (existingJs.use_external_data_format ?? {}) as Record<string, number>;
  const existingBuild = (existingConfig?.referee_build ?? {}) as Record<string, unknown>;
  const build: Record<string, unknown> = { ...existingBuild };
  for (const dtype of options.dtypes) {
    build[dtype] = { separate_rotary: options.separateRotary ?? false, accuracy_level: options.accuracyLevel ?? 0 };
  }
  return {
    ...sourceConfig,
    'transformers.js_config': {
      ...existingJs,
      use_external_data_format: { ...existingExternal, ...chunkCounts },
    },
    referee_build: build,
  };
}

async function readTokenizerFiles(tree: FileTree): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const tokenizer = await tree.open('tokenizer.json');
  if (!tokenizer) throw new UnsupportedModelError(`${tree.name}: no tokenizer.json (Transformers.js needs the fast-tokenizer file)`);
  out.set('tokenizer.json', await readText(tokenizer));
  const configSource = await tree.open('tokenizer_config.json');
  if (!configSource) throw new UnsupportedModelError(`${tree.name}: no tokenizer_config.json`);
  const tokenizerConfig = (await readJson(configSource)) as Record<string, unknown>;
  if (typeof tokenizerConfig.chat_template !== 'string') {
    // Newer repos keep the template beside the config; Transformers.js reads it only from the config.
    const jinja = await tree.open('chat_template.jinja');
    if (!jinja) throw new UnsupportedModelError(`${tree.name}: tokenizer_config.json has no "chat_template" and there is no chat_template.jinja`);
    tokenizerConfig.chat_template = await readText(jinja);
  }
  out.set('tokenizer_config.json', JSON.stringify(tokenizerConfig, null, 2));
  return out;
}

async function readGenerationConfig(tree: FileTree, checkpoint: Checkpoint): Promise<Record<string, unknown>> {
  const source = await tree.open('generation_config.json');
  if (source) return (await readJson(source)) as Record<string, unknown>;
  const { bos_token_id, eos_token_id, pad_token_id } = checkpoint.config;
  return { bos_token_id, eos_token_id, pad_token_id };
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

async function writeFile(sink: ArtifactSink, path: string, bytes: Uint8Array): Promise<void> {
  const file = await sink.create(path);
  await file.write(bytes);
  await file.close();
}
