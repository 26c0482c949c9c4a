import type { ScoreResult } from '../../scoring/scored-idea';

/**
 * The model's score distribution as bars over 0–10 (scores with decimals share their integer's bar, drawn
 * stacked), with the threshold as a dashed line and the greedy score (the paper's answer) as a marker
 * above its bar. Unreadable mass is said in the label, not drawn.
 */
export function DistributionChart({ result, threshold, large = false }: { result: ScoreResult; threshold: number; large?: boolean }) {
  const width = large ? 280 : 154;
  const height = large ? 80 : 48;
  const top = 12;
  const bins = new Array<number>(11).fill(0);
  for (const e of result.distribution.entries) bins[Math.min(10, Math.floor(e.score))]! += e.probability;
  const max = Math.max(...bins, 1e-9);
  const step = width / 11;
  const described = result.distribution.entries
    .filter((e) => e.probability >= 0.01)
    .map((e) => `${e.score}: ${Math.round(e.probability * 100)}%`)
    .join(', ');
  const unreadable = 1 - result.distribution.coverage;
  const greedy = result.greedy.score;
  const label =
    `Score distribution: ${described || 'nothing readable'}${unreadable >= 0.01 ? `; ${Math.round(unreadable * 100)}% unreadable` : ''}` +
    `; greedy ${greedy ?? 'none'}; threshold ${threshold}`;
  const x = (score: number) => (score + 0.5) * step;
  return (
    <svg className="distribution" width={width} height={top + height + 14} role="img" aria-label={label} data-testid="distribution">
      <title>{label}</title>
      {bins.map((p, i) => {
        const h = (p / max) * height;
        return <rect key={i} x={i * step + 1} y={top + height - h} width={step - 2} height={h} className={i > threshold ? 'bar above' : 'bar'} />;
      })}
      <line x1={x(threshold)} x2={x(threshold)} y1={top} y2={top + height} className="threshold" />
      {greedy !== null && (
        <g className="greedy-mark" data-testid="greedy-mark">
          <path d={`M ${x(Math.floor(Math.min(10, greedy))) - 4} 1 h 8 l -4 7 z`} />
        </g>
      )}
      {[0, 2, 4, 6, 8, 10].map((i) => (
        <text key={i} x={x(i)} y={top + height + 12} textAnchor="middle" className="axis">
          {i}
        </text>
      ))}
    </svg>
  );
}
