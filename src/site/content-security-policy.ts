/**
 * The page's Content-Security-Policy, written once: the dev and preview servers send it as a header
 * (vite.config.ts), the build carries it in a <meta> for hosts that cannot send headers, and public/_headers
 * holds the same text for static hosts (a test keeps it equal to this).
 *
 * What it allows: scripts, styles, workers and fetches from the app's own origin; WebAssembly compilation
 * (`'wasm-unsafe-eval'`: onnxruntime-web compiles its wasm, nothing needs `'unsafe-eval'`); blob: scripts
 * and workers (Transformers.js imports onnxruntime-web's loader from its cache as a blob: URL, and
 * Emscripten starts its threads from one); fetches to the Hugging Face hub hosts the model manager downloads from, and to
 * any origin named in REFEREE_CONNECT_SRC (a self-hosted model or server). Nothing else: no inline script,
 * no plugins, no <base>, no framing; script URLs and HTML strings go through Trusted Types.
 */

/** The hosts a hub download touches: the API and resolve URLs, the LFS CDNs, and the xet bridge. */
export const HUB_ORIGINS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'] as const;

export interface PolicyOptions {
  /** Extra origins the page may fetch from (a self-hosted model or scoring server), e.g. https://models.example.org */
  readonly connect?: readonly string[];
  /** The dev server's nonce for the scripts and styles Vite injects (React Refresh's preamble, HMR styles). */
  readonly nonce?: string;
  /** A <meta> cannot carry frame-ancestors (browsers ignore it there, with a console error). */
  readonly delivery: 'header' | 'meta';
}

/** Origins from REFEREE_CONNECT_SRC (space- or comma-separated), each checked to be a bare origin. */
export function connectSourcesFrom(value: string | undefined): string[] {
  const sources = (value ?? '').split(/[\s,]+/).filter(Boolean);
  for (const source of sources) {
    if (!/^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:(\d+|\*))?$/.test(source)) {
      throw new Error(`REFEREE_CONNECT_SRC: ${JSON.stringify(source)} is not an origin like https://models.example.org`);
    }
  }
  return sources;
}

export function contentSecurityPolicy(options: PolicyOptions): string {
  const nonce = options.nonce ? [`'nonce-${options.nonce}'`] : [];
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    // blob: Transformers.js keeps onnxruntime-web's loader module in its cache and imports it from a blob: URL.
    ['script-src', "'self'", "'wasm-unsafe-eval'", 'blob:', ...nonce],
    ['style-src', "'self'", ...nonce],
    ['img-src', "'self'", 'data:', 'blob:'],
    ['font-src', "'self'"],
    ['connect-src', "'self'", ...HUB_ORIGINS, ...(options.connect ?? [])],
    ['worker-src', "'self'", 'blob:'],
    ['manifest-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ...(options.delivery === 'header' ? [['frame-ancestors', "'none'"] as [string, string]] : []),
    ['require-trusted-types-for', "'script'"],
    ['trusted-types', 'default'],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}
