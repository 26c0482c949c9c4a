import type { IdeaInput } from '../scoring/idea-input';
import type { PromptProfileId } from '../scoring/prompt-profiles';

/**
 * What browser tests and benchmarks may set for the page before it loads (`page.addInitScript` writes them
 * into `window.refereeDiagnostics`); the app itself never sets them.
 */
export interface DiagnosticSettings {
  /** Bound on one run before the watchdog ends it (unset: it adapts to the model's pace). */
  readonly hangBoundMs?: number;
  /** Bound on a load that makes no progress (unset: 15 minutes). */
  readonly loadStallMs?: number;
  /** false: no device measurement after a load. */
  readonly measureDevice?: boolean;
  /** Greedy decoding cap for benchmarks on random-weight models, which never write the box. */
  readonly maxNewTokens?: number;
}

/** One forward pass as the engine recorded it (src/engine/decoder.ts `trace`), without its tokens. */
export interface ForwardPass {
  readonly tokens: number;
  readonly pastLength: number;
  readonly keep: number;
  readonly milliseconds: number;
}

/** What tests and benchmarks may ask an engine (Engine.diagnose), each with its answer. */
export interface Diagnostics {
  /** From now on, record every forward pass of the loaded model; false when none is loaded. */
  'trace-forwards': { request: Record<never, never>; answer: boolean };
  /** The passes recorded since `trace-forwards`. */
  'forward-trace': { request: Record<never, never>; answer: ForwardPass[] };
  /** KV cache tensors read back to the CPU, and cut or gathered on the device, since the model loaded. */
  'kv-cache-counts': { request: Record<never, never>; answer: { readBacks: number; onDevice: number } | null };
  /** The prompt's token ids for an idea, as the engine encodes it (where control tokens land). */
  'prompt-token-ids': { request: { idea: IdeaInput; profile: PromptProfileId; specialsInIdea: boolean }; answer: number[] | null };
  /** Break the runtime the way a lost GPU does (the device destroyed; where there is none, the sessions released). */
  'lose-runtime': { request: Record<never, never>; answer: 'gpu-device-destroyed' | 'sessions-released' | 'nothing-loaded' };
}

export type DiagnosticKind = keyof Diagnostics;
export type DiagnosticRequest<K extends DiagnosticKind = DiagnosticKind> = { readonly kind: K } & Diagnostics[K]['request'];
export type DiagnosticAnswer<K extends DiagnosticKind> = Diagnostics[K]['answer'];

/** The page's one diagnostics global: the settings, and `diagnose`, which asks the page's engine. */
export interface PageDiagnostics extends DiagnosticSettings {
  diagnose?<K extends DiagnosticKind>(request: DiagnosticRequest<K>): Promise<DiagnosticAnswer<K>>;
}

/** The page's `window.refereeDiagnostics`, created empty when a test set none. */
export function pageDiagnostics(): PageDiagnostics {
  const scope = globalThis as { refereeDiagnostics?: PageDiagnostics };
  scope.refereeDiagnostics ??= {};
  return scope.refereeDiagnostics;
}

/** A browser page as Playwright drives one (only what `diagnosePage` needs). */
interface EvaluatingPage {
  evaluate<R, A>(run: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}

/** For browser tests and benchmarks: asks the page's engine a diagnostic through its one diagnostics global. */
export async function diagnosePage<K extends DiagnosticKind>(page: EvaluatingPage, request: DiagnosticRequest<K>): Promise<DiagnosticAnswer<K>> {
  const answer = await page.evaluate(
    (r: DiagnosticRequest) => (globalThis as unknown as { refereeDiagnostics: Required<PageDiagnostics> }).refereeDiagnostics.diagnose(r),
    request as DiagnosticRequest,
  );
  return answer as DiagnosticAnswer<K>;
}
