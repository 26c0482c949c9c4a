import { DecoderGraphBuilder } from './decoder-graph';

/**
 * Qwen2ForCausalLM (AlphaResearch-RM's architecture): the decoder as it is, with q/k/v biases (the config
 * says so: see decoder-config.ts) and plain RoPE.
 */
export class Qwen2GraphBuilder extends DecoderGraphBuilder {}
