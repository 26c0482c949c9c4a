import { scoreInOrder } from '../engine/score-in-order';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate, calibrationWorsened, DEFAULT_SPLIT, type CalibrationOutcome, type RequestedMethod } from '../evaluation/calibration';
import { binaryLabel, parseLabelledSet, type LabelledIdea } from '../evaluation/labelled-set';
import { evaluate, toEvaluationItems, type EvaluationSettings } from '../evaluation/metrics';
import { evaluationDocument } from '../evaluation/report-document';
import { formatCalibration, formatReport } from '../evaluation/report-text';
import { decodeUtf8, describeProblem, InputError, type InputFormat } from '../scoring/idea-input';
import type { ScoreResult } from '../scoring/scored-idea';
import { choice, loadCommandEngine, nodeIo, readCommandLine, runIfMain, SCORING_OPTIONS, scoringArgs, scoringLoadRequest, UsageError, type CliIo } from './cli-support';

const USAGE = `usage: npm run evaluate -- --model <folder|url|repo-id> [options] <labelled file>
Scores a labelled set with AlphaResearch-RM and reports how well the scores agree with the labels:
accuracy at the threshold (the paper's metric), balanced accuracy, the majority baseline, AUROC, and
MAE / RMSE / Spearman against ratings, for the greedy and the expected score, each with a 95% interval.
  --model <m>          converted model: a folder, a base URL, or a Hugging Face repo id
  --dtype <d>          fp32 | fp16 | q4 | q4f16 (default q4)
  --profile <p>        paper (default) | agent
  --threshold <t>      positive when rating (and score) > t (default 5.5, the paper's)
  --comparison <c>     gt (default) | ge
  --json               print the report as JSON instead of a table
  --calibrate <out>    fit a calibrator for P(accept) on part of the set, check it on the rest, write it to <out>
  --method <m>         auto (default: isotonic from 50 fitted ideas, else Platt) | platt | isotonic
  --seed <n>           seed of the train/held-out split (default ${DEFAULT_SPLIT.seed})
  --format <f>         jsonl | json | csv (default: from the file name or content)
  --revision <r>       hub revision
  --tokenize-specials-in-text   encode control-token strings in ideas as control tokens (the paper's scripts)
  --server <url>       score through an OpenAI-compatible completions server (…/v1); --model is the served name
  --tokenizer <t>      with --server: the model's tokenizer (folder, URL or repo id; default: --model)
Input: JSONL/JSON objects or CSV rows with the idea ("text" or "abstract", optional "title", "id") and a
"rating" (1–10) and/or an "outcome" (accept/reject, pass/fail, true/false, 1/0). Rows without a valid label
are reported and left out. Exit code 0 when every row was read and every idea scored, 1 otherwise.`;

export async function main(argv: string[], io: CliIo = nodeIo): Promise<number> {
  const args = readCommandLine('evaluate', USAGE, io, () => parse(argv));
  if (typeof args === 'number') return args;

  let labelled: LabelledIdea[];
  let skipped: { where: string; message: string }[];
  try {
    const parsed = parseLabelledSet(decodeUtf8(new Uint8Array(await readFile(args.input)), args.input), { format: args.format, fileName: args.input });
    labelled = parsed.items;
    skipped = parsed.problems;
    for (const problem of skipped) io.stderr(`evaluate: skipped ${describeProblem(problem)}\n`);
    if (labelled.length === 0) {
      io.stderr('evaluate: no labelled idea to evaluate\n');
      return 1;
    }
  } catch (error) {
    io.stderr(`evaluate: ${error instanceof InputError ? error.message : `cannot read ${args.input}: ${(error as Error).message}`}\n`);
    return 1;
  }

  const engine = await loadCommandEngine('evaluate', io, scoringLoadRequest(args));
  if (!engine) return 1;
  const info = engine.info;

  const settings: EvaluationSettings = { threshold: args.threshold, comparison: args.comparison };
  const results: (ScoreResult | null)[] = [];
  let failed = 0;
  try {
    const outcomes = await scoreInOrder(
      (idea, options) => engine.score(idea, options),
      labelled.map((l) => l.idea),
      {
        profile: args.profile,
        decision: { ...settings, decideBy: 'greedy' },
        tokenizeSpecialsInText: args.tokenizeSpecialsInText,
        onResult: (index, outcome) => {
          if (!outcome.ok) failed++;
          const label = outcome.ok ? `greedy ${outcome.result.greedy.score ?? 'none'}, expected ${outcome.result.expected?.toFixed(2) ?? 'none'}` : `failed: ${outcome.error.message}`;
          io.stderr(`evaluate: [${index + 1}/${labelled.length}] ${labelled[index]!.where}: ${label}\n`);
        },
      },
    );
    for (const outcome of outcomes) results.push(outcome.ok ? outcome.result : null);
  } finally {
    await engine.unload();
  }

  const items = toEvaluationItems(labelled, results, settings);
  const report = evaluate(items, settings);
  const model = { id: info.id, revision: info.revision, dtype: info.dtype, device: info.device === 'server' ? (args.server ?? info.device) : info.device };
  let calibration: CalibrationOutcome | undefined;
  if (args.calibrate !== undefined) {
    calibration = calibrate(
      items.map((item) => ({ pAccept: item.pAccept, label: binaryLabel(item, settings.threshold, settings.comparison) })),
      { method: args.method, seed: args.seed, settings, file: basename(args.input), model, profile: args.profile },
    );
    if (calibration.ok) {
      await writeFile(args.calibrate, `${JSON.stringify(calibration.report.calibrator, null, 2)}\n`);
      const worse = calibrationWorsened(calibration.report);
      if (worse) io.stderr(`evaluate: warning: the calibrator made the held-out ideas worse calibrated (${worse}); it is written, but label more ideas before you use it\n`);
    }
  }

  if (args.json) {
    const document = evaluationDocument({ file: basename(args.input), model, profile: args.profile, report, labelled, items, skipped, ...(calibration ? { calibration } : {}) });
    io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    io.stdout(`Model ${model.id} (${model.dtype}, ${model.device}), ${args.profile} prompt, on ${basename(args.input)}.\n`);
    io.stdout(formatReport(report));
    if (calibration?.ok) io.stdout(`\n${formatCalibration(calibration.report)}Written to ${args.calibrate}.\n`);
  }
  if (calibration && !calibration.ok) io.stderr(`evaluate: no calibrator written: ${calibration.message}\n`);
  io.stderr(
    `evaluate: ${labelled.length - failed} of ${labelled.length} labelled ideas scored${failed ? `, ${failed} failed` : ''}` +
      `${skipped.length ? `, ${skipped.length} rows skipped` : ''}\n`,
  );
  return failed > 0 || skipped.length > 0 || (calibration !== undefined && !calibration.ok) ? 1 : 0;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SCORING_OPTIONS,
      json: { type: 'boolean', default: false },
      calibrate: { type: 'string' },
      method: { type: 'string' },
      seed: { type: 'string' },
      format: { type: 'string' },
    },
  });
  if (values.help) return { help: true } as ReturnType<typeof parseValid>;
  return parseValid(values, positionals);
}

function parseValid(values: Record<string, string | boolean | undefined>, positionals: string[]) {
  const common = scoringArgs(values);
  if (positionals.length !== 1) throw new UsageError('give exactly one labelled file');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
  return {
    help: false,
    ...common,
    input: positionals[0]!,
    json: values.json === true,
    calibrate: values.calibrate as string | undefined,
    method: choice<RequestedMethod>('--method', values.method as string | undefined, { auto: 'auto', platt: 'platt', isotonic: 'isotonic' }, 'auto'),
    seed,
    format: values.format === undefined ? undefined : choice<InputFormat>('--format', values.format as string, { jsonl: 'jsonl', json: 'json', csv: 'csv' }, 'jsonl'),
  };
}

runIfMain(import.meta.url, main);
