/**
 * The benchmark contract. A suite is a file in tests/bench/suites/ whose default export is a
 * BenchSuite; register it in the SUITES list of tests/bench/run.ts. Suites print figures through
 * report(); nothing here asserts a figure (targets are shown, never enforced).
 */
export type Better = 'lower' | 'higher';

export type BenchContext = {
  /** `npm run bench -- --quick`: smaller inputs; the whole run stays under two minutes. */
  quick: boolean;
  /**
   * One measured figure. The runner prefixes the suite name (`sync.pull_seconds`), so names only
   * need to be unique within a suite. target null: shown without a target.
   */
  report(figure: string, value: number, unit: string, target: number | null, better: Better): void;
  /** A progress line for the person watching (goes to stderr, not into the table). */
  log(message: string): void;
};

export type BenchSuite = {
  name: string;
  run(ctx: BenchContext): Promise<void> | void;
};

export type Figure = { value: number; unit: string; target: number | null; better: Better };
