/**
 * Security benchmark: the hostile-input fuzz of tests/integration/fuzz.test.ts (every endpoint of
 * the server's OpenAPI document and the sync routes, as every role, with every check after each
 * answer and around the run), for a fixed number of cases and a fixed seed, against a real server
 * in this process on 127.0.0.1. Reports how many cases a second it gets through: the figure that
 * decides how many cases `npm test` can afford.
 */
import { DEMO_PASSWORD, startTestServer } from '../../integration/helpers/server.js';
import { runFuzz } from '../../integration/helpers/fuzz-run.js';
import type { BenchSuite } from '../types.js';

/** The same seed every run, so runs compare like with like. */
const SEED = 20_301;

const suite: BenchSuite = {
  name: 'security',
  async run(ctx) {
    const cases = ctx.quick ? 2_000 : 10_000;
    // Budgets far above the run, as in the test: the cases reach the code, not the flood guard.
    const srv = await startTestServer({ seedDemo: true, floodGuard: { rejectionsPerWindow: 1_000_000, requestsPerMinute: 1_000_000 } });
    try {
      const stats = await runFuzz({ url: srv.url, store: srv.store, adminToken: srv.adminToken, numRuns: cases, seed: SEED, password: DEMO_PASSWORD, log: (line) => ctx.log(line) });
      ctx.log(`${stats.cases} cases, ${stats.requests} requests in ${stats.seconds.toFixed(1)} s; every check held`);
      // 10,000 cases in npm test should take well under a minute on a two-core machine.
      ctx.report('fuzz_cases_per_second', stats.cases / stats.seconds, 'cases/s', 250, 'higher');
      ctx.report('fuzz_requests_per_second', stats.requests / stats.seconds, 'requests/s', null, 'higher');
    } finally {
      await srv.close();
    }
  },
};

export default suite;
