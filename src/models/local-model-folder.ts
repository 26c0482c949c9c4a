/**
 * A model folder the user picked or dropped (the output of `npm run convert`): which files form the model,
 * what to call it, and why a folder cannot be used. Pure: takes relative paths, as a directory picker gives them.
 */
export interface PickedFile {
  /** Path inside the picked folder, with its top folder: "tiny-planted-qwen2/onnx/model_q4.onnx". */
  readonly path: string;
  readonly size: number;
}

export interface LocalModelPlan {
  readonly name: string;
  /** Path inside the model folder -> index into the picked files. */
  readonly files: ReadonlyMap<string, number>;
  readonly bytes: number;
}

/** Local models live under this path of the page's own origin (a URL nothing serves: they come from the cache). */
export const LOCAL_MODELS_PATH = '/local-models/';

const NEEDED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** The model inside a picked folder, or the reason it is not one. */
export function planLocalModel(picked: readonly PickedFile[]): LocalModelPlan | { readonly problem: string } {
  const paths = picked.map((f) => f.path.replace(/\\/g, '/').replace(/^\/+/, ''));
  const config = paths.filter((p) => p.endsWith('/config.json') || p === 'config.json').sort((a, b) => a.length - b.length)[0];
  if (config === undefined) {
    return { problem: 'This folder has no config.json: pick the folder `npm run convert` wrote (it holds config.json, tokenizer.json and onnx/).' };
  }
  const root = config.slice(0, config.length - 'config.json'.length);
  const name = (root.replace(/\/$/, '').split('/').at(-1) || 'local-model').replace(/[^\w.-]+/g, '-');
  const files = new Map<string, number>();
  let bytes = 0;
  paths.forEach((path, index) => {
    if (!path.startsWith(root)) return;
    const inside = path.slice(root.length);
    if (inside.split('/').some((part) => part.startsWith('.'))) return; // .DS_Store, .git, staging folders
    files.set(inside, index);
    bytes += picked[index]!.size;
  });
  const missing = NEEDED.filter((f) => !files.has(f));
  const onnx = [...files.keys()].some((f) => /^onnx\/model[\w]*\.onnx$/.test(f));
  if (!onnx) {
    const checkpoint = [...files.keys()].some((f) => f.endsWith('.safetensors'));
    return {
      problem: checkpoint
        ? `The folder "${name}" holds a safetensors checkpoint, not an ONNX build: convert it first with \`npm run convert -- <folder> --out <folder> --dtype q4f16 --dtype q4\`, then pick the output folder.`
        : `The folder "${name}" has no onnx/model*.onnx: pick the folder \`npm run convert\` wrote.`,
    };
  }
  if (missing.length > 0) return { problem: `The folder "${name}" lacks ${missing.join(', ')}: pick the whole folder \`npm run convert\` wrote.` };
  return { name, files, bytes };
}
