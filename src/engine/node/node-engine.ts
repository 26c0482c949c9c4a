import { AutoTokenizer } from '@huggingface/transformers';
import type { IdeaInput } from '../../scoring/idea-input';
import type { PromptProfileId } from '../../scoring/prompt-profiles';
import { ModelError } from '../../models/model-error';
import { useModelSource } from '../../models/node/node-model-source';
import type { Engine, EngineCapabilities, LastLogits, LoadedModel, LoadRequest } from '../engine';
import { loadScorer } from '../load-scorer';
import type { Completion, CompletionOptions, QwenScorer } from '../qwen-scorer';
import type { ScoreOptions, ScoreOutcome, Scorer } from '../scorer-types';
import type { ChatTokenizer } from '../prompt-tokens';
import { connectServer } from '../remote/connect-server';
import { diagnoseScorer } from '../diagnose-scorer';
import type { DiagnosticAnswer, DiagnosticKind, DiagnosticRequest } from '../diagnostics';
import type { DeviceFigures } from '../device-figures';
import type { ChatMessage } from '../../scoring/prompt-profiles';

/** The files a client needs to load the model's tokenizer with Transformers.js. */
export const TOKENIZER_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** Node's devices: onnxruntime-node's CPU EP, and its own WebGPU EP (Dawn) where the machine has an adapter. */
const NODE_DEVICES = ['cpu', 'webgpu'] as const;

/** Reads a tokenizer from a folder, URL or repo id, as models load in Node. */
async function readNodeTokenizer(source: string): Promise<ChatTokenizer> {
  const { id } = await useModelSource(source);
  return (await AutoTokenizer.from_pretrained(id)) as unknown as ChatTokenizer;
}

/**
 * The Engine in Node (the CLI, `serve`, `mcp`, research-agent pipelines): a model loaded in this process, or a
 * completions server (`LoadRequest.server`), behind the same methods.
 */
export class NodeEngine implements Engine {
  private scorer: Scorer | null = null;
  /** The scorer when the model runs here: what raw passes, completions and device figures need. */
  private localScorer: QwenScorer | null = null;
  private loadedInfo: LoadedModel | null = null;
  private source: Awaited<ReturnType<typeof useModelSource>> | null = null;

  /** @param onWarning hears what a server's answers make the scorer say (it refused token ids, say). */
  constructor(private readonly onWarning: (message: string) => void = () => {}) {}

  async load(request: LoadRequest): Promise<LoadedModel> {
    await this.unload();
    if (request.server) {
      const remote = await connectServer({ ...request, server: request.server }, readNodeTokenizer, { onWarning: this.onWarning });
      this.scorer = remote.scorer;
      return (this.loadedInfo = remote.info);
    }
    const device = request.device ?? 'cpu';
    if (!(NODE_DEVICES as readonly string[]).includes(device)) {
      throw new ModelError('model-refused', `In Node, models run on ${NODE_DEVICES.join(' or ')}, not ${device}.`);
    }
    let source: Awaited<ReturnType<typeof useModelSource>>;
    try {
      source = await useModelSource(request.source);
    } catch (error) {
      throw new ModelError('model-not-found', (error as Error).message);
    }
    this.source = source;
    const scorer = await loadScorer(source.id, {
      dtype: request.dtype ?? 'q4',
      device: device as (typeof NODE_DEVICES)[number],
      hasFile: source.hasFile,
      ...(request.revision !== undefined ? { revision: request.revision } : {}),
      ...(request.maxPromptTokens !== undefined ? { maxPromptTokens: request.maxPromptTokens } : {}),
    });
    this.scorer = this.localScorer = scorer;
    const deviceNote = device === 'cpu' ? 'onnxruntime-node on the CPU' : 'onnxruntime-node’s WebGPU execution provider';
    return (this.loadedInfo = { ...scorer.info, deviceNote, subgroups: null });
  }

  /** The loaded model; read it after `load` resolved. */
  get info(): LoadedModel {
    if (!this.loadedInfo) throw new ModelError('not-loaded', 'No model is loaded');
    return this.loadedInfo;
  }

  async capabilities(): Promise<EngineCapabilities> {
    return { runtime: 'node', devices: NODE_DEVICES, adapter: null, storage: null, wasmThreads: null, crossOriginIsolated: null };
  }

  async score(idea: IdeaInput, options?: Partial<ScoreOptions>): Promise<ScoreOutcome> {
    return this.loaded().score(idea, options);
  }

  /** The score with leave-one-out attribution (Scorer.attribute). */
  async attribute(idea: IdeaInput, options?: Partial<ScoreOptions>): Promise<ScoreOutcome> {
    return this.loaded().attribute(idea, options);
  }

  async prompt(idea: IdeaInput, profile?: PromptProfileId): Promise<string> {
    return this.loaded().prompt(idea, profile);
  }

  async forward(text: string): Promise<LastLogits> {
    return this.local().lastLogits(text);
  }

  /**
   * The loaded model's tokenizer files and config (what a `--server` client needs to encode prompts as this
   * engine does); null for any other file.
   */
  async tokenizerFile(name: string): Promise<Uint8Array | null> {
    if (!TOKENIZER_FILES.includes(name) || !this.source) return null;
    return this.source.readFile(name);
  }

  measureDevice(): Promise<DeviceFigures> {
    return this.local().measureDevice();
  }

  /** Greedy completions over token ids (what `npm run serve` answers /v1/completions with). */
  complete(promptIds: readonly number[], options: CompletionOptions): Promise<Completion> {
    return this.local().complete(promptIds, options);
  }

  chatPromptIds(messages: readonly ChatMessage[]): number[] {
    return this.local().chatPromptIds(messages);
  }

  encodeText(text: string): number[] {
    return this.local().encodeText(text);
  }

  tokenText(id: number): string {
    return this.local().tokenText(id);
  }

  async unload(): Promise<void> {
    const scorer = this.scorer;
    this.scorer = this.localScorer = null;
    this.loadedInfo = null;
    this.source = null;
    await scorer?.dispose();
  }

  diagnose<K extends DiagnosticKind>(request: DiagnosticRequest<K>): Promise<DiagnosticAnswer<K>> {
    return diagnoseScorer(this.localScorer, request);
  }

  private loaded(): Scorer {
    if (!this.scorer) throw new ModelError('not-loaded', 'No model is loaded');
    return this.scorer;
  }

  private local(): QwenScorer {
    if (this.scorer && !this.localScorer) {
      throw new ModelError('model-refused', 'A completions server gives no raw passes, completions or device figures: load the model here for those.');
    }
    return this.loaded() as QwenScorer;
  }
}
