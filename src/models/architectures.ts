/**
 * The decoder architectures Referee converts and scores, by config.json `model_type`, with their Hugging Face
 * class names: the one list the converter (src/builder), the engine (load-scorer.ts) and both workers read.
 * Adding one means a graph builder for it (src/builder/convert.ts) and its config rules (decoder-config.ts).
 */
export const ARCHITECTURES = { qwen2: 'Qwen2ForCausalLM', llama: 'LlamaForCausalLM' } as const;
export type Architecture = keyof typeof ARCHITECTURES;

/** The architecture a config.json declares, when Referee has it; null otherwise. */
export function architectureOf(config: unknown): Architecture | null {
  const modelType = (config as { model_type?: unknown } | null)?.model_type;
  return typeof modelType === 'string' && Object.hasOwn(ARCHITECTURES, modelType) ? (modelType as Architecture) : null;
}

/** Why `name` cannot be converted or scored, from its config.json; null when its architecture is one of Referee's. */
export function architectureRefusal(config: unknown, name: string): string | null {
  if (architectureOf(config) !== null) return null;
  const modelType = (config as { model_type?: unknown } | null)?.model_type;
  const known = Object.entries(ARCHITECTURES).map(([type, className]) => `${className} ("${type}")`);
  return `${name} is a "${String(modelType)}" model; Referee converts and scores ${known.join(' and ')} decoders only.`;
}
