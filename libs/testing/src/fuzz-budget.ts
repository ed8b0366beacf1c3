/**
 * The fuzz specs share one budget of generated cases: FUZZ_RUNS (default 3000), each spec taking a share of it.
 * FUZZ_SEED replays a failing run (fast-check prints the seed and path when one fails).
 */
export const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 3000);
export const FUZZ_SEED = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);

/** fast-check's options for a property given `share` of the budget (at least 10 runs), on FUZZ_SEED if set. */
export const fuzzOptions = (share: number): { numRuns: number; seed?: number } => ({
  numRuns: Math.max(10, Math.round(FUZZ_RUNS * share)),
  ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }),
});

/** How a run's summary names its budget, so that it can be repeated. */
export const fuzzBudgetLabel = (): string =>
  `FUZZ_RUNS=${FUZZ_RUNS}${FUZZ_SEED === undefined ? '' : `, FUZZ_SEED=${FUZZ_SEED}`}`;
