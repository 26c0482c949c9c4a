import { scoredIdeaRecord } from '../engine/score-result';
import { scoreConcurrently } from '../engine/score-in-order';
import { appendFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeUtf8, describeProblem, InputError, parseIdeas, type IdeaInput, type InputFormat } from '../scoring/idea-input';
import type { DecisionStatistic } from '../scoring/score-stats';
import { toJsonLine } from '../scoring/scored-idea';
import { describeCounterfactual, passDependsOnFlaggedText } from '../scoring/counterfactual';
import { DEFAULT_COUNTERFACTUAL_THRESHOLD } from '../engine/scorer-types';
import { choice, loadCommandEngine, nodeIo, readCommandLine, runIfMain, SCORING_OPTIONS, scoringArgs, scoringLoadRequest, UsageError, type CliIo } from './cli-support';

const USAGE = `usage: npm run score -- --model <folder|url|repo-id> [options] <input|->
Scores research ideas with AlphaResearch-RM; writes one JSON line per idea (input order) to stdout.
  --model <m>          converted model: a folder, a base URL, or a Hugging Face repo id
  --dtype <d>          fp32 | fp16 | q4 | q4f16 (default q4)
  --profile <p>        paper (default: the 72% evaluation prompt) | agent (the AlphaResearch loop's)
  --threshold <t>      decision threshold (default 5.5)
  --comparison <c>     gt (default, the paper's metric) | ge (the agent loop's >=)
  --decide-by <s>      greedy (default, the paper's number) | expected | p-above
  --server <url>       score through an OpenAI-compatible completions server (vLLM, npm run serve) at
                       <url> (…/v1); --model is then the served model name. Key: REFEREE_API_KEY or OPENAI_API_KEY
  --tokenizer <t>      with --server: the model's tokenizer (folder, URL or repo id; default: --model, else the one
                       npm run serve publishes)
  --concurrency <n>    with --server: ideas in flight at once (default 4)
  --output <file>      append the JSON lines to <file> instead of stdout; ideas already scored there are
                       skipped, so an interrupted run resumes
  --filter pass|fail   keep only ideas that pass / fail (the AlphaResearch gate as a Unix filter)
  --counterfactual     score ideas with flagged text (reviewer instructions, control tokens, a \\boxed{}) again
                       without it, and report how far it moved the score (costs a second scoring)
  --counterfactual-points <x>   a change that counts as moved, in score points (default 0.5)
  --counterfactual-p-accept <x> a change that counts as moved, in P(accept) (default 0.1)
  --fail-steered       with --counterfactual: an idea that passes only with its flagged text fails
  --attribute          add leave-one-out attribution to each line: the idea scored again without its title and
                       without each sentence, with what each adds (delta greedy, expected, P(accept))
  --tokenize-specials-in-text   encode control-token strings in ideas as control tokens, as the paper's
                       scripts do (exact replication only: an idea can then write the reviewer's answer)
  --format <f>         jsonl | json | csv | text (default: from the file name or content)
  --max-prompt-tokens <n>  reject ideas whose prompt is longer (default: the model's context)
  --revision <r>       hub revision
  --explain            also print each idea's exact chat-templated prompt (stderr)
Every result carries "signals": signs of text written at the reviewer; they never change the score.
Input: JSONL/JSON objects with "text" or "abstract" (+ optional "title", "id"), CSV with those columns,
or plain text with ideas separated by blank lines. Exit code 0 when every idea scored, 1 otherwise.`;

export async function main(argv: string[], io: CliIo = nodeIo): Promise<number> {
  const args = readCommandLine('score', USAGE, io, () => parse(argv));
  if (typeof args === 'number') return args;

  let ideas: IdeaInput[];
  try {
    const bytes = args.input === '-' ? await io.stdin() : new Uint8Array(await readFile(args.input));
    const name = args.input === '-' ? 'stdin' : args.input;
    const parsed = parseIdeas(decodeUtf8(bytes, name), { format: args.format, fileName: args.input === '-' ? undefined : args.input });
    for (const problem of parsed.problems) io.stderr(`score: skipped ${describeProblem(problem)}\n`);
    ideas = parsed.ideas;
    if (parsed.problems.length > 0 && ideas.length === 0) return 1;
    if (parsed.problems.length > 0) args.inputProblems = parsed.problems.length;
  } catch (error) {
    const message = error instanceof InputError ? error.message : `cannot read ${args.input}: ${(error as Error).message}`;
    io.stderr(`score: ${message}\n`);
    return 1;
  }

  const scorer = await loadCommandEngine('score', io, scoringLoadRequest(args));
  if (!scorer) return 1;

  // With --output, ideas already scored there are skipped, and each new line is appended as it lands, so a
  // run stopped at any point resumes where it stopped and the file ends as one clean run would write it.
  const ids = ideas.map((idea, index) => idea.id ?? String(index + 1));
  const done = args.output ? await scoredIds(args.output) : new Set<string>();
  const todo = ideas.map((idea, index) => ({ idea, index })).filter(({ index }) => !done.has(ids[index]!));
  if (done.size > 0) io.stderr(`score: ${ideas.length - todo.length} of ${ideas.length} ideas already in ${args.output}; scoring the other ${todo.length}\n`);
  const write = args.output ? (line: string) => appendFileSync(args.output!, line) : io.stdout;

  let failed = 0;
  let passed = 0;
  let printed = 0;
  const started = Date.now();
  try {
    if (args.explain) {
      for (const { idea, index } of todo) {
        io.stderr(`score: prompt for ${ids[index]} (as a JSON string):\n${JSON.stringify(await scorer.prompt(idea, args.profile))}\n`);
      }
    }
    const options = {
      profile: args.profile,
      decision: { threshold: args.threshold, comparison: args.comparison, decideBy: args.decideBy },
      tokenizeSpecialsInText: args.tokenizeSpecialsInText,
      counterfactual: args.counterfactual,
    };
    await scoreConcurrently(
      (idea) => (args.attribute ? scorer.attribute(idea, options) : scorer.score(idea, options)),
      todo.map((t) => t.idea),
      args.concurrency,
      (position, outcome) => {
        const { idea, index } = todo[position]!;
        const record = scoredIdeaRecord(idea, ids[index]!, outcome);
        const steered = outcome.ok && args.failSteered && passDependsOnFlaggedText(outcome.result);
        const pass = outcome.ok ? outcome.result.decision.pass && !steered : null;
        if (!outcome.ok) failed++;
        if (pass) passed++;
        const flagged = outcome.ok ? (outcome.result.signals ?? []).filter((s) => s.span !== null).length : 0;
        const moved = outcome.ok && outcome.result.counterfactual ? `; ${describeCounterfactual(outcome.result.counterfactual)}` : '';
        const label = outcome.ok
          ? `greedy ${outcome.result.greedy.score ?? 'none'}, expected ${outcome.result.expected?.toFixed(2) ?? 'none'}, ${pass ? 'pass' : steered ? 'fail (passes only with its flagged text)' : 'fail'}` +
            `${flagged ? `, ${flagged} flagged span(s)` : ''}${moved}`
          : `failed: ${outcome.error.message}`;
        io.stderr(`score: [${position + 1}/${todo.length}] ${record.id}: ${label}${pace(started, position + 1, todo.length)}\n`);
        const keep = args.filter === undefined || (outcome.ok && (args.filter === 'pass' ? pass === true : pass === false));
        // A failed idea is not written to --output, so the next run tries it again.
        if (keep && !(args.output && !outcome.ok)) {
          write(`${toJsonLine(record)}\n`);
          printed++;
        }
      },
    );
  } finally {
    await scorer.unload();
  }
  const skipped = args.inputProblems ?? 0;
  io.stderr(
    `score: ${todo.length - failed} of ${todo.length} ideas scored, ${passed} passed, ${failed} failed` +
      `${skipped ? `, ${skipped} input records skipped` : ''}${args.filter ? `; ${printed} printed (--filter ${args.filter})` : ''}\n`,
  );
  return failed > 0 || skipped > 0 ? 1 : 0;
}

/** ", 2.1 ideas/s, ~47 s left" once a few ideas have landed. */
function pace(started: number, done: number, total: number): string {
  const seconds = (Date.now() - started) / 1000;
  if (done < 2 || seconds <= 0) return '';
  const rate = done / seconds;
  return `, ${rate.toFixed(2)} ideas/s, ~${Math.ceil((total - done) / rate)} s left`;
}

/**
 * Ids already scored in an --output file (a missing file holds none). A last line cut off by a stopped run
 * is removed, so the lines appended next start on a line of their own.
 */
async function scoredIds(file: string): Promise<Set<string>> {
  let text = await readFile(file, 'utf8').catch(() => '');
  if (text && !text.endsWith('\n')) {
    text = text.slice(0, text.lastIndexOf('\n') + 1);
    await writeFile(file, text);
  }
  const ids = new Set<string>();
  for (const line of text.split('\n')) {
    try {
      const record = JSON.parse(line) as { id?: unknown; status?: unknown };
      if (typeof record.id === 'string' && record.status === 'scored') ids.add(record.id);
    } catch {
      // not a whole line
    }
  }
  return ids;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SCORING_OPTIONS,
      'decide-by': { type: 'string' },
      filter: { type: 'string' },
      format: { type: 'string' },
      'max-prompt-tokens': { type: 'string' },
      explain: { type: 'boolean', default: false },
      counterfactual: { type: 'boolean', default: false },
      'counterfactual-points': { type: 'string' },
      'counterfactual-p-accept': { type: 'string' },
      'fail-steered': { type: 'boolean', default: false },
      attribute: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      output: { type: 'string' },
    },
  });
  if (values.help) return { help: true } as ReturnType<typeof parseValid>;
  return parseValid(values, positionals);
}

function positiveNumber(flag: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(Number.isFinite(number) && number > 0)) throw new UsageError(`${flag} must be a positive number; got ${String(value)}`);
  return number;
}

function parseValid(values: Record<string, string | boolean | undefined>, positionals: string[]) {
  const common = scoringArgs(values);
  if (positionals.length !== 1) throw new UsageError('give exactly one input file, or - for stdin');
  const maxPromptTokens = values['max-prompt-tokens'] === undefined ? undefined : Number(values['max-prompt-tokens']);
  if (maxPromptTokens !== undefined && !(Number.isInteger(maxPromptTokens) && maxPromptTokens > 0)) {
    throw new UsageError('--max-prompt-tokens must be a positive integer');
  }
  const points = positiveNumber('--counterfactual-points', values['counterfactual-points'], DEFAULT_COUNTERFACTUAL_THRESHOLD.points);
  const pAccept = positiveNumber('--counterfactual-p-accept', values['counterfactual-p-accept'], DEFAULT_COUNTERFACTUAL_THRESHOLD.pAccept);
  if (pAccept > 1) throw new UsageError('--counterfactual-p-accept is a probability: give a number in (0, 1]');
  const counterfactual = values.counterfactual === true ? { points, pAccept } : null;
  if (values['fail-steered'] === true && !counterfactual) throw new UsageError('--fail-steered needs --counterfactual');
  const concurrency = values.concurrency === undefined ? (values.server ? 4 : 1) : Number(values.concurrency);
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)) throw new UsageError('--concurrency must be an integer from 1 to 256');
  if (concurrency > 1 && !values.server) throw new UsageError('--concurrency needs --server (the local engine scores one idea at a time)');
  return {
    help: false,
    ...common,
    concurrency,
    output: values.output as string | undefined,
    counterfactual,
    failSteered: values['fail-steered'] === true,
    attribute: values.attribute === true,
    input: positionals[0]!,
    decideBy: choice<DecisionStatistic>(
      '--decide-by',
      values['decide-by'] as string | undefined,
      { greedy: 'greedy', expected: 'expected', 'p-above': 'pAbove' },
      'greedy',
    ),
    filter: values.filter === undefined ? undefined : choice('--filter', values.filter as string, { pass: 'pass', fail: 'fail' } as const, 'pass'),
    format: values.format === undefined ? undefined : choice<InputFormat>('--format', values.format as string, { jsonl: 'jsonl', json: 'json', csv: 'csv', text: 'text' }, 'text'),
    maxPromptTokens,
    explain: values.explain === true,
    inputProblems: undefined as number | undefined,
  };
}

runIfMain(import.meta.url, main);
