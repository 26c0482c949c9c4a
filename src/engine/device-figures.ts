/**
 * What a loaded model does on this device, measured once with a fixed synthetic idea (no user data): the
 * figures the Model panel shows, the queue's time left starts from, and `npm run bench -- --suite device`
 * prints. Pure: the timing itself is QwenScorer.measureDevice.
 */
import type { IdeaInput } from '../scoring/idea-input';

/**
 * A typical idea: an abstract of ~230 words (the paper's ideas are abstracts of 200–400 tokens). Fixed, so
 * figures from two devices or two builds compare.
 */
export const MEASURE_IDEA: IdeaInput = {
  title: 'Curriculum distillation of reward models for research-idea triage',
  text: [
    'Reward models trained on peer reviews can rank research ideas, but their judgements are expensive to run and hard to trust',
    'when the idea under review is far from the training distribution. We propose curriculum distillation: a seven-billion-parameter',
    'reviewer model labels a large pool of synthetic proposals, ordered from easy to hard by the disagreement between its sampled',
    'scores, and a student of one billion parameters is trained on that order with a loss that matches the whole score distribution',
    'rather than its mode. We ask three questions. First, does the student keep the teacher’s ranking on held-out conference',
    'submissions, measured by Spearman correlation with mean reviewer ratings and by accuracy at the acceptance threshold? Second,',
    'does the curriculum matter, compared with random order and with an anti-curriculum that starts from the hardest proposals?',
    'Third, can the student say when it does not know, through the entropy of its score distribution, so that a triage pipeline',
    'sends uncertain ideas to a human reader? We evaluate on 4,000 submissions from two venues and two years that neither model',
    'saw in training, report calibration curves and the cost per thousand ideas on a laptop GPU, and release the synthetic pool,',
    'the curriculum, and the student weights. We expect the student to recover most of the teacher’s accuracy at a fifth of its cost,',
    'and the curriculum to help most on proposals from fields that are rare in the training reviews.',
  ].join(' '),
};

/**
 * Single-token passes a typical idea costs after its prefill: the readout of the score's digits and decimals
 * when the model opens the box at once (alpharesearch-rm.md, "Cost shape of one score"; issue 21 §4's "one idea
 * ≤ 1 prefill + 4 single-token passes").
 */
export const PASSES_PER_IDEA = 4;

/** The raw timings of one measurement. */
export interface DeviceTimings {
  /** Tokens prefilled: the idea's part of the prompt after the cached instructions, with `\boxed{`. */
  readonly prefillTokens: number;
  /** Instruction tokens whose cache the prefill reads (computed once per model, not per idea). */
  readonly reusedTokens: number;
  readonly prefillMilliseconds: number;
  /** Each timed single-token pass after the prefill. */
  readonly passMilliseconds: readonly number[];
}

export interface DeviceFigures {
  readonly prefillTokens: number;
  readonly reusedTokens: number;
  readonly prefillTokensPerSecond: number;
  /** The median single-token pass. */
  readonly passMilliseconds: number;
  /** One prefill of the typical idea plus PASSES_PER_IDEA single-token passes. */
  readonly secondsPerIdea: number;
  /** ISO time of the measurement. */
  readonly measuredAt: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function deviceFigures(timings: DeviceTimings, measuredAt: Date = new Date()): DeviceFigures {
  if (timings.prefillTokens < 1 || timings.passMilliseconds.length === 0) throw new Error('a device measurement needs a prefill and at least one single-token pass');
  const prefillMs = Math.max(timings.prefillMilliseconds, 0.001);
  const passMs = Math.max(median(timings.passMilliseconds), 0.001);
  return {
    prefillTokens: timings.prefillTokens,
    reusedTokens: timings.reusedTokens,
    prefillTokensPerSecond: (timings.prefillTokens / prefillMs) * 1000,
    passMilliseconds: passMs,
    secondsPerIdea: (prefillMs + PASSES_PER_IDEA * passMs) / 1000,
    measuredAt: measuredAt.toISOString(),
  };
}

/** Seconds to score `ideas` typical ideas at the measured pace. */
export function secondsToScore(figures: Pick<DeviceFigures, 'secondsPerIdea'>, ideas: number): number {
  return figures.secondsPerIdea * ideas;
}

/** What the figures are kept under: the same model, dtype, runtime build and adapter measure alike. */
export function deviceFiguresKey(model: { readonly id: string; readonly dtype: string; readonly device: string; readonly runtime?: string; readonly adapterNote?: string }): string {
  return [model.id, model.dtype, model.device, model.runtime ?? '', model.adapterNote ?? ''].join('|');
}

/** "1.2 s", "4 min", "3.5 h": a duration in the words the page uses. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Math.max(0.1, seconds).toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
