/**
 * `npm run bench [-- --quick] [-- --only=sync,console]`: runs every registered suite in turn and
 * prints one table of figures. With BENCH_OUT=<file>, also writes
 * {"<suite>.<figure>": {"value", "unit", "target", "better"}} there.
 *
 * To add a suite: drop a file in tests/bench/suites/ whose default export is a BenchSuite
 * (see ./types.ts) and add one line to SUITES below.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { BenchContext, BenchSuite, Figure } from './types.js';

/** The one list of suites; loaded lazily so one suite's missing dependency does not stop the others. */
const SUITES: Record<string, () => Promise<{ default: BenchSuite }>> = {
  sync: () => import('./suites/sync.js'),
  console: () => import('./suites/console.js'),
  revocation: () => import('./suites/revocation.js'),
  login: () => import('./suites/login.js'),
  security: () => import('./suites/security.js'),
  ad: () => import('./suites/ad.js'),
  directory: () => import('./suites/directory.js'),
  policy: () => import('./suites/policy.js'),
  'reviews-console': () => import('./suites/reviews-console.js'),
  audit: () => import('./suites/audit.js'),
  'audit-explorer': () => import('./suites/audit-explorer.js'),
  reviews: () => import('./suites/reviews.js'),
  evidence: () => import('./suites/evidence.js'),
};

type Row = Figure & { key: string };

function parseArgs(argv: readonly string[]): { quick: boolean; only: string[] | null } {
  let quick = false;
  let only: string[] | null = null;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',').filter(Boolean);
    else if (arg === '--') continue;
    else throw new Error(`unknown argument "${arg}"; use --quick and/or --only=<suite,...> (suites: ${Object.keys(SUITES).join(', ')})`);
  }
  if (only) {
    const unknown = only.filter((name) => !(name in SUITES));
    if (unknown.length) throw new Error(`--only: unknown suite(s) ${unknown.join(', ')}; registered: ${Object.keys(SUITES).join(', ')}`);
  }
  return { quick, only };
}

function verdict(row: Figure): string {
  if (row.target === null || !Number.isFinite(row.value)) return '';
  const meets = row.better === 'lower' ? row.value <= row.target : row.value >= row.target;
  return meets ? 'meets' : 'MISSES';
}

function formatNumber(n: number | null): string {
  if (n === null) return '-';
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function printTable(rows: readonly Row[]): void {
  const header = ['figure', 'value', 'unit', 'target', 'better', ''];
  const lines = rows.map((r) => [r.key, formatNumber(r.value), r.unit, r.target === null ? '-' : `${r.better === 'lower' ? '<=' : '>='} ${formatNumber(r.target)}`, r.better, verdict(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(fmt(line));
}

async function main(): Promise<number> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  const failures: string[] = [];
  const started = performance.now();

  for (const [name, load] of Object.entries(SUITES)) {
    if (only && !only.includes(name)) continue;
    const suiteStart = performance.now();
    process.stderr.write(`\n== ${name}${quick ? ' (quick)' : ''}\n`);
    const ctx: BenchContext = {
      quick,
      report(figure, value, unit, target, better) {
        const key = `${name}.${figure}`;
        if (rows.some((r) => r.key === key)) throw new Error(`figure ${key} reported twice`);
        if (better !== 'lower' && better !== 'higher') throw new Error(`figure ${key}: better must be 'lower' or 'higher'`);
        rows.push({ key, value, unit, target, better });
        process.stderr.write(`   ${key} = ${formatNumber(value)} ${unit}\n`);
      },
      log(message) {
        process.stderr.write(`   ${message}\n`);
      },
    };
    try {
      const suite = (await load()).default;
      if (suite.name !== name) throw new Error(`registered as "${name}" but names itself "${suite.name}"`);
      await suite.run(ctx);
    } catch (error) {
      failures.push(name);
      process.stderr.write(`   suite ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.stderr.write(`   (${((performance.now() - suiteStart) / 1000).toFixed(1)} s)\n`);
  }

  console.log('');
  printTable(rows);
  console.log(`\n${rows.length} figures from ${Object.keys(SUITES).filter((n) => !only || only.includes(n)).length} suite(s) in ${((performance.now() - started) / 1000).toFixed(1)} s${quick ? ' (quick)' : ''}`);

  const out = process.env.BENCH_OUT;
  if (out) {
    const json: Record<string, Figure> = {};
    for (const { key, ...figure } of rows) json[key] = figure;
    const path = resolve(out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`figures written to ${path}`);
  }
  if (failures.length) console.error(`failed suite(s): ${failures.join(', ')}`);
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
