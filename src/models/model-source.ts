/**
 * Where the page's model comes from, as given by `?model=`: a bare name is a folder served by this site
 * under /models/, an http(s) URL is a model folder on any server, `owner/name` is a Hugging Face repo.
 */
export type BrowserModelSource =
  | { readonly kind: 'site'; readonly name: string }
  | { readonly kind: 'url'; readonly base: string; readonly name: string }
  | { readonly kind: 'hub'; readonly repo: string }
  /** A folder the user picked or dropped, kept in this browser's cache: `local:<name>`. */
  | { readonly kind: 'local'; readonly name: string };

export const DEFAULT_MODEL = 'alpha-research/AlphaResearch-RM-Qwen-7B';

export function parseModelSource(value: string): BrowserModelSource {
  const trimmed = value.trim();
  if (/^https?:\/\//.test(trimmed)) {
    const url = new URL(trimmed.replace(/\/+$/, ''));
    const name = url.pathname.split('/').at(-1) ?? '';
    if (!name) throw new Error(`Model URL ${trimmed} does not name a folder`);
    url.pathname = url.pathname.slice(0, url.pathname.length - name.length);
    return { kind: 'url', base: url.toString(), name };
  }
  const local = /^local:([\w.-]+)$/.exec(trimmed)?.[1];
  if (local) return { kind: 'local', name: local };
  if (/^[\w.-]+$/.test(trimmed)) return { kind: 'site', name: trimmed };
  if (/^[\w.-]+\/[\w.-]+$/.test(trimmed)) return { kind: 'hub', repo: trimmed };
  throw new Error(`"${value}" is not a model name, an http(s) URL or a Hugging Face repo id (owner/name)`);
}

/** The URL of the model's folder, as Transformers.js resolves it (`origin` is this site's, for /models/). */
export function modelFolderUrl(source: BrowserModelSource, origin: string): string {
  if (source.kind === 'site') return `${origin}/models/${source.name}/`;
  if (source.kind === 'url') return `${source.base}${source.name}/`;
  if (source.kind === 'local') return `${origin}/local-models/${source.name}/`;
  return `https://huggingface.co/${source.repo}/resolve/main/`;
}

/** The source text that loads a model kept under this folder URL (the inverse of `modelFolderUrl`). */
export function sourceForFolderUrl(folder: string, origin: string): string {
  const own = (prefix: string) => (folder.startsWith(`${origin}${prefix}`) ? folder.slice(origin.length + prefix.length).replace(/\/$/, '') : null);
  const site = own('/models/');
  if (site && /^[\w.-]+$/.test(site)) return site;
  const local = own('/local-models/');
  if (local && /^[\w.-]+$/.test(local)) return `local:${local}`;
  const hub = /^https:\/\/huggingface\.co\/([\w.-]+\/[\w.-]+)\/resolve\/main\/$/.exec(folder)?.[1];
  return hub ?? folder.replace(/\/$/, '');
}
