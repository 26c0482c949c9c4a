/// <reference lib="webworker" />
/**
 * Converts a safetensors checkpoint served over HTTP (the hub, any static server, this site) into a kept
 * model, in this worker: tensors stream in through Range requests, are quantized and written into an OPFS
 * job folder that a later run resumes from, and the finished files move into the Cache Storage that
 * Transformers.js loads from, under /local-models/<name>/.
 */
import './trusted-types';
import * as Comlink from 'comlink';
import { HttpFileTree, readJson, RetryingFileTree, type ByteSource, type FileTree } from '../builder/byte-source';
import { requestAdapter } from '../engine/browser/webgpu-adapter';
import { installErrorTransfer } from './error-transfer';
import { convertCheckpoint, CONVERTER_FORMAT, planConversion, type ConversionPlan } from '../builder/convert';
import { conversionStorageRefusal, convertedModelName, describeConversionPlan, type ConversionFigures, type ConversionProgress } from '../models/conversion';
import { formatBytes } from '../models/download-progress';
import { LOCAL_MODELS_PATH } from '../models/local-model-folder';
import { DTYPE_SUFFIX } from '../models/model-files';
import { openModelCache, readCachedJson } from '../models/browser/model-cache';
import { modelFolderUrl, parseModelSource } from '../models/model-source';
import { ConversionJob, conversionKey, type ConversionJobRecord } from './conversion-job';
import type { ConversionDone, ConversionPlanInfo, ConvertRequest, ConvertWorkerApi } from './convert-protocol';
import { type QuantizedDtype } from '../models/types';
import { architectureRefusal } from '../models/architectures';

const PROGRESS_EVERY_MS = 100;

/** Remembers the version of every file the builder opens, so a resumed job can tell the source changed. */
class VersionRecordingTree implements FileTree {
  readonly versions: Record<string, string> = {};
  readonly name: string;
  constructor(private readonly tree: FileTree) {
    this.name = tree.name;
  }
  async open(path: string): Promise<ByteSource | null> {
    const source = await this.tree.open(path);
    if (source) this.versions[path] = source.version ?? `size:${await source.size()}`;
    return source;
  }
}

interface Prepared {
  readonly name: string;
  readonly dtype: QuantizedDtype;
  readonly folderUrl: string;
  readonly keptFolder: string;
  readonly tree: VersionRecordingTree;
  readonly existingConfig: Record<string, unknown> | null;
  readonly plan: ConversionPlan;
  readonly figures: ConversionFigures;
}

async function chooseDtype(dtype: ConvertRequest['dtype']): Promise<QuantizedDtype> {
  if (dtype !== 'auto') return dtype;
  return (await requestAdapter())?.features.has('shader-f16') ? 'q4f16' : 'q4';
}

/** An architecture Referee cannot score is refused before a byte of weights is read. */
async function refuseUnscorable(tree: FileTree, source: string): Promise<void> {
  const configSource = await tree.open('config.json').catch(() => null);
  if (!configSource) return; // planning says what is missing
  const refusal = architectureRefusal(await readJson(configSource), source);
  if (refusal) throw new Error(`Cannot convert: ${refusal}`);
}

async function prepare(request: ConvertRequest): Promise<Prepared> {
  if (self.navigator.onLine === false) throw new Error(`This browser is offline: converting reads ${request.source.trim()} over the network. Connect, then try again.`);
  const source = parseModelSource(request.source);
  const name = convertedModelName(source);
  const folderUrl = modelFolderUrl(source, self.location.origin);
  const dtype = await chooseDtype(request.dtype);
  const tree = new VersionRecordingTree(
    new RetryingFileTree(new HttpFileTree(request.source.trim(), folderUrl), { attempts: 6, delayMs: 1000 }),
  );
  const keptFolder = `${self.location.origin}${LOCAL_MODELS_PATH}${name}/`;
  await refuseUnscorable(tree, request.source.trim());
  const existingConfig = await readCachedJson(`${keptFolder}config.json`);
  let plan: ConversionPlan;
  try {
    plan = await planConversion(tree, { dtypes: [dtype], existingConfig });
  } catch (error) {
    // A folder that already holds this ONNX build needs no conversion: say so rather than "no safetensors".
    if (await tree.open(`onnx/model${DTYPE_SUFFIX[dtype]}.onnx`).catch(() => null)) {
      throw new Error(`${request.source.trim()} already holds a ${dtype} ONNX build: load it directly, there is nothing to convert.`);
    }
    throw new Error(`Cannot convert ${request.source.trim()}: ${(error as Error).message}`);
  }
  const figures = { bytesToRead: plan.bytesToRead, bytesToStore: plan.bytesToStore, largestFile: Math.max(...plan.files.values()) };
  return { name, dtype, folderUrl, keptFolder, tree, existingConfig, plan, figures };
}

function jobRecord(request: ConvertRequest, prepared: Prepared): ConversionJobRecord {
  return {
    key: conversionKey(prepared.folderUrl, prepared.dtype, CONVERTER_FORMAT),
    source: request.source.trim(),
    folderUrl: prepared.folderUrl,
    name: prepared.name,
    dtype: prepared.dtype,
    format: CONVERTER_FORMAT,
    sourceVersions: prepared.tree.versions,
    figures: prepared.figures,
    startedAt: new Date().toISOString(),
  };
}

const api: ConvertWorkerApi = {
  async plan(request): Promise<ConversionPlanInfo> {
    const prepared = await prepare(request);
    const keptBytes = await ConversionJob.keptBytesFor(jobRecord(request, prepared));
    const storage = request.storage ?? {};
    return {
      name: prepared.name,
      dtype: prepared.dtype,
      figures: prepared.figures,
      keptBytes,
      description: describeConversionPlan(prepared.figures, storage),
      refusal: conversionStorageRefusal(prepared.figures, storage, keptBytes),
    };
  },

  async convert(request, onProgress): Promise<ConversionDone> {
    const started = performance.now();
    const prepared = await prepare(request);
    const job = await ConversionJob.open(jobRecord(request, prepared));
    const refusal = conversionStorageRefusal(prepared.figures, request.storage ?? {}, job.keptBytes);
    if (refusal) throw new Error(refusal);

    const { bytesToRead, bytesToStore } = prepared.figures;
    let last = 0;
    const report = (progress: ConversionProgress, force = false) => {
      const now = performance.now();
      if (!force && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      onProgress(progress);
    };
    report({ phase: 'convert', bytesRead: 0, bytesToRead, bytesStored: job.keptBytes, bytesToStore }, true);
    let stored = job.keptBytes;
    const result = await convertCheckpoint(prepared.tree, job.sink(), {
      dtypes: [prepared.dtype],
      existingConfig: prepared.existingConfig,
      onProgress: (p) => {
        stored = p.bytesStored;
        report({ phase: 'convert', bytesRead: p.bytesRead, bytesToRead, bytesStored: p.bytesStored, bytesToStore });
      },
    }).catch((error: unknown) => {
      if ((error as Error).name !== 'QuotaExceededError') throw error;
      throw new Error(
        `This browser ran out of storage for Referee after ${formatBytes(stored)} of ${formatBytes(bytesToStore)} were converted. ` +
          'What was converted is kept: free some space (delete kept models, or other sites’ data) and convert again to resume from there.',
      );
    });

    // Weights first and config.json last, so a model is declared only once its files are all kept.
    const cache = await openModelCache();
    const kept: string[] = [];
    let storedBytes = 0;
    try {
      for (const path of result.files) {
        const file = await (await job.outputFile(path, false)).getFile();
        const type = path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
        const url = `${prepared.keptFolder}${path}`;
        // Tokenizer files a build of another dtype in the same folder already keeps must survive a failure.
        const existed = (await cache.match(url)) !== undefined;
        await cache.put(url, new Response(file, { headers: { 'content-type': type, 'content-length': String(file.size) } }));
        if (!existed) kept.push(url);
        storedBytes += file.size;
        await job.removeOutputFile(path);
        report({ phase: 'store', bytesRead: bytesToRead, bytesToRead, bytesStored: storedBytes, bytesToStore }, true);
      }
    } catch (error) {
      await Promise.all(kept.map((url) => cache.delete(url)));
      // Files already moved out of the job are gone from it: start that job over next time.
      await job.remove();
      throw new Error(`Could not keep the converted model in this browser: ${(error as Error).message}`);
    }
    await job.remove();
    return { source: `local:${prepared.name}`, dtype: prepared.dtype, resumed: job.resumed, seconds: (performance.now() - started) / 1000 };
  },
};

installErrorTransfer();
Comlink.expose(api);
