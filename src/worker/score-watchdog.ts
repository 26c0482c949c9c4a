/**
 * How long the page waits for one scoring run before it takes the worker for hung (a destroyed GPU device
 * can leave a run that never settles). A false alarm throws away a good run and, the second time, fails
 * the idea; a late alarm only delays recovery. So the bound is generous: the most forward passes one run
 * can take, at the slowest pace per pass measured in this worker, twice over; never under the floor.
 * The pace is a run's time over its passes, prefill included, so it overstates a decode step's cost.
 */
export const WATCHDOG_FLOOR_MS = 5 * 60_000;
export const WATCHDOG_MARGIN = 2;

/**
 * The most forward passes one run may take with the engine's defaults (maxNewTokens 1000,
 * readoutMaxForwards 32): the forced prefill, the prefill again when greedy decoding does not write the box,
 * decoding up to the box, the readout's continuations, and decoding on after a box that holds no number.
 */
export function worstCasePasses(maxNewTokens = 1000, readoutMaxForwards = 32): number {
  return 2 + 2 * maxNewTokens + readoutMaxForwards;
}

export interface RunPace {
  readonly milliseconds: number;
  readonly forwardPasses: number;
}

/** The slower of the pace so far and this run's milliseconds per forward pass (a run with no pass says nothing). */
export function slowerPace(slowestSoFar: number | null, run: RunPace): number | null {
  if (run.forwardPasses <= 0) return slowestSoFar;
  const pace = run.milliseconds / run.forwardPasses;
  return slowestSoFar === null ? pace : Math.max(slowestSoFar, pace);
}

/** setTimeout fires at once for a delay over 2^31 - 1 ms. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export function watchdogBoundMs(slowestPassMsSoFar: number | null, maxPasses = worstCasePasses()): number {
  if (slowestPassMsSoFar === null) return WATCHDOG_FLOOR_MS;
  return Math.min(LONGEST_TIMER_MS, Math.max(WATCHDOG_FLOOR_MS, Math.ceil(WATCHDOG_MARGIN * maxPasses * slowestPassMsSoFar)));
}

export function hungRunMessage(boundMs: number): string {
  return `The model did not answer within ${Math.round(boundMs / 1000)} s; its worker is being replaced.`;
}
