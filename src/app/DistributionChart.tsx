import type { ScoreResult } from '../scoring/scored-idea';

/**
 * The model's score distribution as bars over 0–10 (scores with decimals share their integer's bar, drawn
 * stacked), with the threshold as a line. Unreadable mass is said in the label, not drawn.
 */
export function DistributionChart({ result, threshold, large = false }: { result: ScoreResult; threshold: number; large?: boolean }) {
  const width = large ? 260 : 132;
  const height = large ? 80 : 36;
  const bins = new Array<number>(11).fill(0);
  for (const e of result.distribution.entries) bins[Math.min(10, Math.floor(e.score))]! += e.probability;
  const max = Math.max(...bins, 1e-9);
  const step = width / 11;
  const described = result.distribution.entries
    .filter((e) => e.probability >= 0.01)
    .map((e) => `${e.score}: ${Math.round(e.probability * 100)}%`)
    .join(', ');
  const unreadable = 1 - result.distribution.coverage;
  const label = `Score distribution: ${described || 'nothing readable'}${unreadable >= 0.01 ? `; ${Math.round(unreadable * 100)}% unreadable` : ''}`;
  return (
    <svg className="distribution" width={width} height={height + 12} role="img" aria-label={label} data-testid="distribution">
      <title>{label}</title>
      {bins.map((p, i) => {
        const h = (p / max) * height;
        return <rect key={i} x={i * step + 1} y={height - h} width={step - 2} height={h} className={i > threshold ? 'bar above' : 'bar'} />;
      })}
      <line x1={(threshold + 0.5) * step} x2={(threshold + 0.5) * step} y1={0} y2={height} className="threshold" />
      {[0, 5, 10].map((i) => (
        <text key={i} x={i * step + step / 2} y={height + 11} textAnchor="middle" className="axis">
          {i}
        </text>
      ))}
    </svg>
  );
}
