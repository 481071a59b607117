// `npm run electronegativity` (and a step of `npm test`): Doyensec's Electronegativity over what the
// desktop app ships: main/ and preload/ (sources, tests left out) and the built renderer (out/renderer,
// so run `npx electron-vite build` first), scanned together so its cross-file checks (navigation
// limits, CSP) see the whole app. Exit 0 when clean; 1 on any finding, parse error or stale allow-list entry.
//
// Findings are fixed, or justified beside the code in the form Electronegativity reads itself
// (`// eng-disable CHECK_ID` on the reported line, with the reason in a comment above). Files that
// cannot hold comments (package.json) are justified in scripts/electronegativity-allow.json instead:
// `{ "id", "file", "reason" }` per finding; an entry that no longer matches a finding fails too.
// `--root <dir>` scans another tree of the same layout (the script's own test does).
//
// Offline by design: the tool fetches translations and Electron's release list over the network.
// The check that needs the release list is left out (see EXCLUDED), and `got`, its HTTP client, is
// replaced by one that fails at once, so a scan never waits for or reaches the network.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const rootFlag = process.argv.indexOf('--root');
const root = rootFlag > 0 && process.argv[rootFlag + 1] ? path.resolve(process.argv[rootFlag + 1]) : repo;
const require = createRequire(import.meta.url);
const toolDir = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
const fromTool = (name, base = toolDir) => require.resolve(name, { paths: [base] });

/** Checks left out, each with its reason. */
const EXCLUDED = {
  // Compares the Electron version with the release list it downloads from the network; CI has none.
  // Electron's version is reviewed with each dependency update (ELECTRON_VERSION_JSON_CHECK below).
  AvailableSecurityFixesGlobalCheck: 'needs the network',
};

// No network: the translations fetch and the release-list download fail at once.
const gotPath = fromTool('got');
require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: () => Promise.reject(new Error('offline: network access is disabled for this scan')) };

// The tool parses modern JavaScript with Babel but walks the tree with estraverse, which does not know
// Babel's own node types (class private fields in the built renderer) and would skip the whole file
// with "Unknown node type". Teach the walker every node type of the parser it is paired with.
const estraverse = require(fromTool('estraverse', path.dirname(fromTool('estraverse-fb'))));
const babelTypes = require(fromTool('@babel/types', path.dirname(fromTool('@babel/traverse'))));
for (const [type, keys] of Object.entries(babelTypes.VISITOR_KEYS)) {
  if (estraverse.VisitorKeys[type]) continue;
  estraverse.VisitorKeys[type] = keys;
  estraverse.Syntax[type] = type;
}

const run = require(path.join(toolDir, 'dist/runner.js'));

/** Copies what ships into one folder: main/ and preload/ without tests, out/renderer as renderer/. */
function stage() {
  const rendererDir = path.join(root, 'out/renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error('out/renderer/index.html is missing: build first (npx electron-vite build)');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'jit-electronegativity-'));
  const isTest = (file) => /\.(test|spec)\.[cm]?[jt]sx?$/.test(file);
  for (const source of ['main', 'preload']) {
    cpSync(path.join(root, source), path.join(dir, source), { recursive: true, filter: (file) => !isTest(file) });
  }
  cpSync(rendererDir, path.join(dir, 'renderer'), { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  return dir;
}

function countFiles(dir) {
  let n = 0;
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    n += statSync(p).isDirectory() ? countFiles(p) : /\.(m?js|cjs|ts|tsx|html?|json)$/.test(entry) ? 1 : 0;
  }
  return n;
}

const allowList = JSON.parse(readFileSync(path.join(root, 'scripts/electronegativity-allow.json'), 'utf8'));
const electronVersion = JSON.parse(readFileSync(fromTool('electron/package.json', repo), 'utf8')).version;

const dir = stage();
let report;
try {
  // The tool prints progress notes (translations, releases) with console.log; keep them out of the report.
  const log = console.log;
  console.log = () => {};
  try {
    report = await run({
      input: dir,
      isRelative: true,
      customScan: [],
      excludeFromScan: Object.keys(EXCLUDED).map((c) => c.toLowerCase()),
      electronVersionOverride: electronVersion,
      parserPlugins: [],
    });
  } finally {
    console.log = log;
  }
  console.log(`electronegativity: ${countFiles(dir)} files (main/, preload/, out/renderer, package.json), Electron ${electronVersion}, ${report.atomicChecks} atomic and ${report.globalChecks} global checks`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const problems = [];
for (const error of report.errors) {
  // A file that did not parse was not checked at all.
  problems.push(`${path.relative(dir, error.file)}: could not be scanned: ${error.message}`);
}
const used = new Set();
for (const issue of report.issues) {
  const allowed = allowList.findIndex((a) => a.id === issue.id && a.file === issue.file);
  if (allowed >= 0) {
    used.add(allowed);
    console.log(`  allowed ${issue.id} ${issue.file}: ${allowList[allowed].reason}`);
    continue;
  }
  const where = `${issue.file}:${issue.location.line}:${issue.location.column}`;
  problems.push(`${issue.id} (${issue.severity.name}, ${issue.confidence.name}) at ${where}: ${issue.description}${issue.sample ? `\n      ${issue.sample.trim()}` : ''}`);
}
allowList.forEach((entry, index) => {
  if (!used.has(index)) problems.push(`allow-list entry ${entry.id} ${entry.file} matches no finding any more: remove it from scripts/electronegativity-allow.json`);
});

if (problems.length > 0) {
  console.error(`electronegativity: ${problems.length} problem(s). Fix each, or justify it beside the code with "// eng-disable <CHECK_ID>" on the reported line:`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log('electronegativity: clean');
