import { Fragment, useMemo } from 'react';
import { describeCounterfactual } from '../../scoring/counterfactual';
import { fieldSpans, gamingSignals, type GamingSignal } from '../../scoring/gaming-signals';
import type { ScoreResult } from '../../scoring/scored-idea';
import { useReferee } from '../store';

/** The signals of an idea: the engine's from its score (which knew the model's own control tokens), else found here. */
export function useIdeaSignals(idea: { title?: string; text: string }, result: ScoreResult | undefined, stale: boolean): readonly GamingSignal[] {
  return useMemo(() => (result?.signals && !stale ? result.signals : gamingSignals(idea)), [idea.title, idea.text, result, stale]);
}

/** Text with the flagged spans of one field marked; React renders every piece as text, never as HTML. */
export function MarkedText({ text, field, signals }: { text: string; field: 'title' | 'text'; signals: readonly GamingSignal[] }) {
  const spans = fieldSpans(signals, field);
  if (spans.length === 0) return <>{text}</>;
  const pieces: { text: string; marked: boolean }[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.end <= at) continue;
    if (span.start > at) pieces.push({ text: text.slice(at, span.start), marked: false });
    pieces.push({ text: text.slice(Math.max(at, span.start), span.end), marked: true });
    at = span.end;
  }
  pieces.push({ text: text.slice(at), marked: false });
  return (
    <>
      {pieces.map((piece, i) =>
        piece.marked ? (
          <mark key={i} className="flagged-span" data-testid="flagged-span">
            {piece.text}
          </mark>
        ) : (
          <Fragment key={i}>{piece.text}</Fragment>
        ),
      )}
    </>
  );
}

/** A small badge on a flagged idea, with what was found and, when it ran, the counterfactual check's result. */
export function SignalsBadge({ signals, result }: { signals: readonly GamingSignal[]; result: ScoreResult | null }) {
  // Before the early return: a row's signals come and go (scoring adds the model's view), and hooks must not.
  const checking = useReferee((s) => s.settings.counterfactual === true);
  if (signals.length === 0) return null;
  const steering = signals.filter((s) => s.kind !== 'length').length;
  const unusualLength = signals.length > steering;
  const counterfactual = result?.counterfactual;
  return (
    <details className={`signals${steering ? ' steering' : ''}`} data-testid="signals">
      <summary>
        <span className="badge" data-testid="signals-badge">
          {/* Says what the list below holds: the flagged spans, and the length warning apart from them. */}
          {steering ? `⚠ ${steering} flagged${unusualLength ? ', unusual length' : ''}` : 'Unusual length'}
        </span>
        {counterfactual && (
          <span className={`counterfactual${counterfactual.moved ? ' moved' : ''}`} data-testid="counterfactual">
            {' '}
            {describeCounterfactual(counterfactual)}
          </span>
        )}
      </summary>
      <ul>
        {signals.map((signal, i) => (
          <li key={i} data-kind={signal.kind}>
            {signal.label}
            {signal.excerpt && (
              <>
                : <code>{signal.excerpt}</code>
              </>
            )}
          </li>
        ))}
      </ul>
      <p className="hint">
        Signals warn; they never change the score.
        {steering > 0 && !checking && ' Turn on “Check flagged text” to see how far the flagged text moves it.'}
      </p>
    </details>
  );
}
