import type { DiagnosticAnswer, DiagnosticKind, DiagnosticRequest, Diagnostics } from './diagnostics';
import type { QwenScorer } from './qwen-scorer';

/**
 * Answers a diagnostic about the model loaded here (null: none, or a server); `loseRuntime` breaks the runtime
 * as this environment can (the page destroys its GPU device). For NodeEngine and the page's worker alike.
 */
export async function diagnoseScorer<K extends DiagnosticKind>(
  scorer: QwenScorer | null,
  request: DiagnosticRequest<K>,
  loseRuntime: (scorer: QwenScorer) => Promise<DiagnosticAnswer<'lose-runtime'>> = async (s) => (await s.dispose(), 'sessions-released'),
): Promise<DiagnosticAnswer<K>> {
  const answer = async (): Promise<Diagnostics[DiagnosticKind]['answer']> => {
    switch (request.kind) {
      case 'trace-forwards':
        if (!scorer) return false;
        scorer.decoder.trace = [];
        return true;
      case 'forward-trace':
        return (scorer?.decoder.trace ?? []).map(({ tokens, pastLength, keep, milliseconds }) => ({ tokens: tokens.length, pastLength, keep, milliseconds }));
      case 'kv-cache-counts':
        return scorer ? { readBacks: scorer.decoder.kv.readBacks, onDevice: scorer.decoder.kv.onDevice } : null;
      case 'prompt-token-ids': {
        const { idea, profile, specialsInIdea } = request as DiagnosticRequest<'prompt-token-ids'>;
        return scorer?.promptTokenIds(idea, profile, specialsInIdea) ?? null;
      }
      case 'lose-runtime':
        return scorer ? loseRuntime(scorer) : 'nothing-loaded';
    }
    throw new Error(`no diagnostic named ${String(request.kind)}`);
  };
  return (await answer()) as DiagnosticAnswer<K>;
}
