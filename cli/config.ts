/**
 * `npm run config -- export [FILE]` and `npm run config -- import FILE [--dry-run] [--prune]`:
 * the configuration as code, over the sync server's REST API with the token `jit login` keeps.
 * Import shows the diff first, then imports exactly that (the server refuses it as stale if the
 * configuration changed in between). Exit codes are jit's (see --help).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ApiClient } from './client.js';
import { readCredentials } from './credentials.js';
import { CliError, EXIT, exitForServerError } from './errors.js';

type FieldChange = { path: string; before?: unknown; after?: unknown; added?: unknown[]; removed?: unknown[] };
type Ref = { kind: 'policy' | 'resource' | 'profile'; id: string; name: string };
type Diff = { added: Ref[]; changed: (Ref & { fields: FieldChange[] })[]; removed: (Ref & { becomes: 'archived' | 'disabled' | null; refused?: string })[]; unchanged: number };
type Outcome = { status: 'unchanged' | 'apply' | 'propose' | 'refused'; code?: string; message?: string };
type DiffAnswer = { baseHash: string; summary: string; outcome: Outcome; diff: Diff; widenings: (Ref & { widenings: string[] })[] };
type ImportAnswer = { outcome: 'applied' | 'unchanged' | 'proposed'; summary: string; proposalId?: string; result: { message: string } };

const EXIT_HELP = `
Exit codes (as jit's):
  0  exported; imported, proposed for a second person, or nothing to change (--dry-run: it would be)
  1  anything else (server unreachable, server error)
  2  usage, or a file the server cannot read (the message names the entity, field and line)
  3  not signed in or session expired (run jit login)
  4  refused: a widening of your own access, something left out without --prune, changed meanwhile
  5  not found (the file names a person, policy or resource that does not exist)

Signs in with the token of jit login (policy_admin or admin to import; auditors may export).
With --json every command prints one JSON document on stdout.`;

const KIND = { policy: 'access policy', resource: 'resource', profile: 'access profile' } as const;
let jsonOutput = false;
const print = (line = '') => process.stdout.write(`${line}\n`);

function client(): ApiClient {
  const credentials = readCredentials();
  if (!credentials) throw new CliError(EXIT.unauthenticated, 'not signed in: run jit login', 'unauthenticated');
  if (Date.parse(credentials.expiresAt) <= Date.now()) throw new CliError(EXIT.unauthenticated, `your session ended at ${credentials.expiresAt}: run jit login`, 'unauthenticated');
  return new ApiClient(credentials.server, credentials.token);
}

function readFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(EXIT.usage, `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 'invalid_input', 'FILE');
  }
}

/** A value as one short line. */
function shown(value: unknown): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function fieldLine(field: FieldChange): string {
  if (field.added || field.removed) {
    const parts = [...(field.added ?? []).map((x) => `+ ${String(x)}`), ...(field.removed ?? []).map((x) => `- ${String(x)}`)];
    return `${field.path}: ${parts.join(', ')}`;
  }
  if (!('before' in field)) return `${field.path}: new ${shown(field.after)}`;
  if (!('after' in field)) return `${field.path}: removed (was ${shown(field.before)})`;
  return `${field.path}: ${shown(field.before)} → ${shown(field.after)}`;
}

/** The diff as people read it: + added, ~ changed (each field), - removed (and what becomes of it). */
export function diffLines(answer: DiffAnswer): string[] {
  const { diff } = answer;
  const out: string[] = [];
  const ref = (r: Ref) => `${KIND[r.kind]} ${r.id} "${r.name}"`;
  for (const r of diff.added) out.push(`+ ${ref(r)} (new)`);
  for (const r of diff.changed) {
    out.push(`~ ${ref(r)}`);
    for (const field of r.fields) out.push(`    ${fieldLine(field)}`);
  }
  for (const r of diff.removed) out.push(`- ${ref(r)}${r.becomes ? `: becomes ${r.becomes}` : `: cannot be removed: ${r.refused ?? ''}`}`);
  if (answer.widenings.length > 0) {
    out.push('', 'Widens access, so a second policy admin or admin must approve the whole import:');
    for (const w of answer.widenings) for (const words of w.widenings) out.push(`  ${KIND[w.kind]} ${w.id}: ${words}`);
  }
  out.push('', `${answer.summary}; ${diff.unchanged} unchanged.`);
  return out;
}

const OUTCOME_WORDS = { unchanged: 'Nothing to change.', apply: 'Applies at once (it widens nothing).', propose: 'Becomes one proposal for a second person.', refused: 'Refused' } as const;

function refusal(outcome: Outcome): CliError {
  const code = outcome.code ?? 'forbidden';
  const status = code === 'not_found' ? 404 : code === 'invalid_input' ? 400 : 409;
  return new CliError(exitForServerError(status, code), outcome.message ?? 'the import would be refused', code);
}

async function exportConfig(file: string | undefined): Promise<void> {
  const text = await client().call<string>('GET', '/api/v1/config/export', { raw: true });
  if (file) {
    writeFileSync(file, text);
    if (jsonOutput) print(JSON.stringify({ exported: file, bytes: Buffer.byteLength(text) }));
    else process.stderr.write(`Exported to ${file}\n`);
  } else process.stdout.write(text);
}

async function importConfig(file: string, options: { dryRun?: boolean; prune?: boolean }): Promise<void> {
  const text = readFile(file);
  const api = client();
  const query = options.prune ? '?prune=1' : '';
  const diff = await api.call<DiffAnswer>('POST', `/api/v1/config/diff${query}`, { text: { body: text, type: 'text/yaml' } });
  if (!jsonOutput) {
    for (const line of diffLines(diff)) print(line);
    print(options.dryRun ? `Dry run: ${OUTCOME_WORDS[diff.outcome.status]}` : '');
  }
  if (diff.outcome.status === 'refused') throw refusal(diff.outcome);
  if (options.dryRun || diff.outcome.status === 'unchanged') {
    if (jsonOutput) print(JSON.stringify({ dryRun: options.dryRun === true, ...diff }, null, 2));
    else if (!options.dryRun) print('Nothing to change.');
    return;
  }
  const sep = query ? '&' : '?';
  const done = await api.call<ImportAnswer>('POST', `/api/v1/config/import${query}${sep}base=${diff.baseHash}`, { text: { body: text, type: 'text/yaml' } });
  if (jsonOutput) {
    print(JSON.stringify({ ...diff, import: done }, null, 2));
    return;
  }
  if (done.outcome === 'proposed') print(`Proposed as ${done.proposalId ?? ''}: nothing changes until another policy admin or admin approves it (Proposals in the console).`);
  else print(`Imported: ${done.result.message}.`);
}

function buildProgram(): Command {
  const program = new Command('npm run config --')
    .description('the configuration (access policies, resources, access profiles) as a YAML file')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .showSuggestionAfterError()
    // Usage errors in one line, like jit's: "config: unknown option '--prun' (Did you mean --prune?)".
    .configureOutput({ outputError: (text, write) => write(`config: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n`) });
  program
    .command('export')
    .description('write the whole configuration to FILE (or to stdout)')
    .argument('[FILE]', 'where to write it')
    .option('--json', 'print one JSON document')
    .action((file: string | undefined) => exportConfig(file));
  program
    .command('import')
    .description('show what FILE changes, then import it as one command (widening changes become one proposal)')
    .argument('<FILE>', 'a configuration file, as export writes it')
    .option('--dry-run', 'only show the diff and what would happen')
    .option('--prune', 'archive resources and disable access profiles the file leaves out')
    .option('--json', 'print one JSON document')
    .action((file: string, options: { dryRun?: boolean; prune?: boolean }) => importConfig(file, options));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  jsonOutput = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return EXIT.ok;
      if (jsonOutput) print(JSON.stringify({ error: { code: 'invalid_input', message: error.message.replace(/^error: /, '') }, exitCode: EXIT.usage }));
      return EXIT.usage;
    }
    const failure = error instanceof CliError ? error : new CliError(EXIT.other, error instanceof Error ? error.message : String(error), 'error');
    process.stderr.write(`config: ${failure.message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (jsonOutput) print(JSON.stringify({ error: { code: failure.code, message: failure.message, ...(failure.field ? { field: failure.field } : {}) }, exitCode: failure.exitCode }));
    return failure.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
