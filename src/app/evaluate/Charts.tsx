import { useRef, type ReactNode } from 'react';
import type { ReliabilityBin } from '../../evaluation/calibration';
import { downloadBlob, downloadText, svgSource, svgToPng } from './download';

/** Plot geometry shared by the charts; every style is an attribute so an exported SVG or PNG looks the same. */
const W = 320;
const H = 260;
const M = { left: 44, right: 12, top: 12, bottom: 40 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const FONT = 'system-ui, sans-serif';

export interface Series<T> {
  readonly name: string;
  readonly color: string;
  readonly points: readonly T[];
}

/** A chart with its title, a description for screen readers, and SVG/PNG downloads. */
export function ChartCard({ title, file, description, children }: { title: string; file: string; description: string; children: ReactNode }) {
  const ref = useRef<SVGSVGElement>(null);
  return (
    <figure className="eval-chart" data-testid={`chart-${file}`}>
      <figcaption>{title}</figcaption>
      <svg ref={ref} width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${description}`} fontFamily={FONT}>
        <title>{`${title}: ${description}`}</title>
        <rect x={0} y={0} width={W} height={H} fill="#ffffff" />
        {children}
      </svg>
      <div>
        <button type="button" aria-label={`Download ${title} as SVG`} onClick={() => ref.current && downloadText(`referee-${file}.svg`, 'image/svg+xml', svgSource(ref.current))}>
          SVG
        </button>
        <button type="button" aria-label={`Download ${title} as PNG`} onClick={() => ref.current && void svgToPng(ref.current).then((png) => downloadBlob(`referee-${file}.png`, png))}>
          PNG
        </button>
      </div>
    </figure>
  );
}

function Axes({ x, y, xLabel, yLabel }: { x: [number, number]; y: [number, number]; xLabel: string; yLabel: string }) {
  const ticks = (lo: number, hi: number) => Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  const sx = scale(x, [M.left, M.left + PW]);
  const sy = scale(y, [M.top + PH, M.top]);
  const label = (v: number) => String(Number(v.toFixed(2)));
  return (
    <g fontSize={10} fill="#555555">
      <rect x={M.left} y={M.top} width={PW} height={PH} fill="none" stroke="#cccccc" />
      {ticks(...x).map((v) => (
        <text key={`x${v}`} x={sx(v)} y={M.top + PH + 14} textAnchor="middle">
          {label(v)}
        </text>
      ))}
      {ticks(...y).map((v) => (
        <text key={`y${v}`} x={M.left - 6} y={sy(v) + 3} textAnchor="end">
          {label(v)}
        </text>
      ))}
      <text x={M.left + PW / 2} y={H - 6} textAnchor="middle" fontSize={11} fill="#333333">
        {xLabel}
      </text>
      <text x={12} y={M.top + PH / 2} textAnchor="middle" fontSize={11} fill="#333333" transform={`rotate(-90 12 ${M.top + PH / 2})`}>
        {yLabel}
      </text>
    </g>
  );
}

function scale([d0, d1]: [number, number], [r0, r1]: [number, number]): (v: number) => number {
  return (v) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0);
}

function Legend({ series }: { series: readonly { name: string; color: string }[] }) {
  return (
    <g fontSize={10}>
      {series.map((s, i) => (
        <g key={s.name} transform={`translate(${M.left + 8}, ${M.top + 10 + i * 13})`}>
          <rect x={0} y={-7} width={10} height={8} fill={s.color} />
          <text x={14} y={0} fill="#333333">
            {s.name}
          </text>
        </g>
      ))}
    </g>
  );
}

const sx01 = scale([0, 1], [M.left, M.left + PW]);
const sy01 = scale([0, 1], [M.top + PH, M.top]);

/** Observed rate against mean predicted P(accept), one point per non-empty bin (area ∝ count), with the diagonal. */
export function ReliabilityDiagram({ title, file, series }: { title: string; file: string; series: readonly Series<ReliabilityBin>[] }) {
  const description = series
    .map((s) => `${s.name}: ${s.points.filter((b) => b.count > 0).map((b) => `${b.count} ideas at ${b.meanPredicted!.toFixed(2)} observed ${b.observedRate!.toFixed(2)}`).join('; ') || 'no ideas'}`)
    .join(' / ');
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((b) => b.count)));
  return (
    <ChartCard title={title} file={file} description={description}>
      <Axes x={[0, 1]} y={[0, 1]} xLabel="mean predicted P(accept)" yLabel="observed rate" />
      <line x1={sx01(0)} y1={sy01(0)} x2={sx01(1)} y2={sy01(1)} stroke="#999999" strokeDasharray="4 3" />
      {series.map((s) => {
        const filled = s.points.filter((b) => b.count > 0);
        return (
          <g key={s.name}>
            <polyline fill="none" stroke={s.color} strokeWidth={1.5} points={filled.map((b) => `${sx01(b.meanPredicted!)},${sy01(b.observedRate!)}`).join(' ')} />
            {filled.map((b) => (
              <circle key={b.low} cx={sx01(b.meanPredicted!)} cy={sy01(b.observedRate!)} r={2.5 + 5 * Math.sqrt(b.count / max)} fill={s.color} fillOpacity={0.6} />
            ))}
          </g>
        );
      })}
      <Legend series={series} />
    </ChartCard>
  );
}

/** ROC curves (true against false positive rate) with the chance diagonal. */
export function RocChart({ series }: { series: readonly (Series<{ fpr: number; tpr: number }> & { auroc: number | null })[] }) {
  const description = series.map((s) => `${s.name}: AUROC ${s.auroc === null ? 'undefined' : s.auroc.toFixed(3)}`).join('; ');
  return (
    <ChartCard title="ROC curve" file="roc" description={description}>
      <Axes x={[0, 1]} y={[0, 1]} xLabel="false positive rate" yLabel="true positive rate" />
      <line x1={sx01(0)} y1={sy01(0)} x2={sx01(1)} y2={sy01(1)} stroke="#999999" strokeDasharray="4 3" />
      {series.map((s) => (
        <polyline key={s.name} fill="none" stroke={s.color} strokeWidth={2} points={s.points.map((p) => `${sx01(p.fpr)},${sy01(p.tpr)}`).join(' ')} />
      ))}
      <Legend series={series.map((s) => ({ name: `${s.name} (AUROC ${s.auroc === null ? '—' : s.auroc.toFixed(3)})`, color: s.color }))} />
    </ChartCard>
  );
}

/** Model score against the human rating, with the threshold lines and the y = x diagonal. */
export function ScoreScatter({ series, threshold }: { series: readonly Series<{ rating: number; score: number }>[]; threshold: number }) {
  const sx = scale([1, 10], [M.left, M.left + PW]);
  const sy = scale([0, 10], [M.top + PH, M.top]);
  const description = series.map((s) => `${s.name}: ${s.points.length} rated ideas`).join('; ');
  return (
    <ChartCard title="Score vs rating" file="scatter" description={description}>
      <Axes x={[1, 10]} y={[0, 10]} xLabel="rating" yLabel="model score" />
      <line x1={sx(1)} y1={sy(1)} x2={sx(10)} y2={sy(10)} stroke="#999999" strokeDasharray="4 3" />
      <line x1={sx(threshold)} y1={sy(0)} x2={sx(threshold)} y2={sy(10)} stroke="#c0392b" strokeDasharray="2 2" />
      <line x1={sx(1)} y1={sy(threshold)} x2={sx(10)} y2={sy(threshold)} stroke="#c0392b" strokeDasharray="2 2" />
      {series.map((s) => (
        <g key={s.name}>
          {s.points.map((p, i) => (
            <circle key={i} cx={sx(p.rating)} cy={sy(p.score)} r={3.5} fill={s.color} fillOpacity={0.65} />
          ))}
        </g>
      ))}
      <Legend series={series} />
    </ChartCard>
  );
}
