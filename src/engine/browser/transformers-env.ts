import { env } from '@huggingface/transformers';
import { modelFolderUrl, parseModelSource } from '../../models/model-source';
import { chooseNumThreads, ortWasmPaths } from './ort-wasm';
import { ORT_BUILD } from './ort-runtime';

/**
 * Points Transformers.js in this worker at a model source (a folder this site serves under /models/, a URL,
 * or the hub) and at onnxruntime-web's files served by the app itself. Returns the id for `from_pretrained`.
 */
export function useBrowserModelSource(sourceText: string, origin: string, scriptUrl: string): { id: string; folder: string; numThreads: number } {
  const source = parseModelSource(sourceText);
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  if (source.kind === 'site') {
    env.remoteHost = `${origin}/models/`;
    env.remotePathTemplate = '{model}/';
  } else if (source.kind === 'local') {
    // Nothing serves this path: every file is already in the cache, put there when the folder was picked.
    env.remoteHost = `${origin}/local-models/`;
    env.remotePathTemplate = '{model}/';
  } else if (source.kind === 'url') {
    env.remoteHost = source.base;
    env.remotePathTemplate = '{model}/';
  } else {
    env.remoteHost = 'https://huggingface.co/';
    env.remotePathTemplate = '{model}/resolve/{revision}/';
  }
  const wasm = env.backends.onnx.wasm;
  if (!wasm) throw new Error('onnxruntime-web exposes no wasm backend settings');
  wasm.wasmPaths = ortWasmPaths(scriptUrl, ORT_BUILD);
  const numThreads = chooseNumThreads();
  wasm.numThreads = numThreads;
  return { id: source.kind === 'hub' ? source.repo : source.name, folder: modelFolderUrl(source, origin), numThreads };
}
