// `npm test`: every test. Typecheck and lint, unit and integration tests (vitest), the build and Electronegativity over it, then the console's end-to-end
// tests in Chromium (Playwright). Prints one closing line: "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureNodeModules, ensureSystemPackages } from './ensure-deps.mjs';

ensureNodeModules();
ensureSystemPackages();

const resultsDir = 'test-results';
mkdirSync(resultsDir, { recursive: true });
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];

// Types and lint first: a strict-typing or import-boundary break (core/ importing Node) is a failure.
for (const [step, script] of [['typecheck', 'typecheck'], ['lint', 'lint']]) {
  if (run('npm', ['run', '--silent', script]) !== 0) {
    failedSteps.push(step);
    totals.failed += 1;
  }
}

// Tests that measure pacing against a directory's clock run on their own after the rest: on two
// cores, the other files' CPU use delays their writes in bunches, which reads as the directory's
// budget running out (attempts per write) and not as what the product does.
const ALONE = ['tests/integration/revocation-throttle.test.ts'];
let vitestStatus = 0;
for (const [name, args] of [
  ['vitest', ALONE.flatMap((file) => ['--exclude', file])],
  ['vitest-alone', ['--maxWorkers=1', ...ALONE]],
]) {
  const json = `${resultsDir}/${name}.json`;
  rmSync(json, { force: true });
  const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...args]);
  if (status !== 0) vitestStatus = status;
  if (existsSync(json)) {
    const r = JSON.parse(readFileSync(json, 'utf8'));
    totals.passed += r.numPassedTests ?? 0;
    totals.failed += r.numFailedTests ?? 0;
    totals.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
}
if (vitestStatus !== 0) failedSteps.push('unit/integration');

if (run('npx', ['electron-vite', 'build']) !== 0) {
  failedSteps.push('build');
  totals.failed += 1;
} else {
  // The shipped Electron code and the built renderer (scripts/electronegativity.mjs): any finding fails.
  if (run('node', ['scripts/electronegativity.mjs']) !== 0) {
    failedSteps.push('electronegativity');
    totals.failed += 1;
  }
  const pwJson = `${resultsDir}/playwright.json`;
  rmSync(pwJson, { force: true });
  const pwStatus = run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson });
  if (existsSync(pwJson)) {
    const s = JSON.parse(readFileSync(pwJson, 'utf8')).stats ?? {};
    totals.passed += (s.expected ?? 0) + (s.flaky ?? 0);
    totals.failed += s.unexpected ?? 0;
    totals.skipped += s.skipped ?? 0;
  }
  if (pwStatus !== 0) failedSteps.push('end-to-end');
}

if (failedSteps.length > 0) console.error(`Failed: ${failedSteps.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length > 0 || totals.failed > 0 ? 1 : 0);
