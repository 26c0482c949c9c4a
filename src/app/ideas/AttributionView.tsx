import type { AttributionUnit } from '../../scoring/scored-idea';

/** Δ P(accept) in percentage points, signed: "+12.3 pts", "−4.0 pts". */
export function signedPoints(delta: number): string {
  const points = delta * 100;
  return `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} pts`;
}

/** A diverging shade: green for what raises P(accept), red for what lowers it, stronger the larger. */
function shade(delta: number): string {
  const alpha = Math.min(0.55, Math.abs(delta) * 2.5);
  return delta >= 0 ? `rgba(22, 163, 74, ${alpha})` : `rgba(220, 38, 38, ${alpha})`;
}

/**
 * What each part of an idea adds to its P(accept) (leave-one-out attribution): the title and sentences shaded
 * on a diverging scale with the Δ written beside each (colour is not the only cue), then the parts that raise
 * and lower it most. Idea text is rendered as text.
 */
export function AttributionView({ attribution, stale }: { attribution: readonly AttributionUnit[]; stale: boolean }) {
  const ranked = [...attribution].sort((a, b) => b.delta.pAbove - a.delta.pAbove);
  const raises = ranked.filter((u) => u.delta.pAbove > 0).slice(0, 3);
  const lowers = ranked.filter((u) => u.delta.pAbove < 0).reverse().slice(0, 3);
  const label = (u: AttributionUnit) => (u.kind === 'title' ? `the title “${u.text}”` : `“${u.text.trim()}”`);
  return (
    <details className="attribution" data-testid="attribution" open>
      <summary>
        Why this score: what each part adds to P(accept){stale ? ' (explained before the last edit)' : ''}
      </summary>
      <p className="attribution-text">
        {attribution.map((unit, i) => (
          <span key={i} data-testid="attribution-unit" data-kind={unit.kind} style={{ backgroundColor: shade(unit.delta.pAbove) }}>
            {unit.kind === 'title' ? <strong>{unit.text}</strong> : unit.text}
            <small className="attribution-delta" data-testid="attribution-delta">
              {' '}
              [{signedPoints(unit.delta.pAbove)}]{' '}
            </small>
          </span>
        ))}
      </p>
      {raises.length > 0 && (
        <p data-testid="attribution-raises">
          Raises it most: {raises.map((u) => `${label(u)} (${signedPoints(u.delta.pAbove)})`).join('; ')}
        </p>
      )}
      {lowers.length > 0 && (
        <p data-testid="attribution-lowers">
          Lowers it most: {lowers.map((u) => `${label(u)} (${signedPoints(u.delta.pAbove)})`).join('; ')}
        </p>
      )}
      <p className="hint">Each part is scored by leaving it out; the rest of the text is kept exactly as written.</p>
    </details>
  );
}
