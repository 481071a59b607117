/**
 * `npm run audit:archive -- <data dir> --before <date> [--out FILE] [--key-file FILE] [--force]`:
 * with the server stopped, moves the audit events up to the last signed checkpoint before the date
 * into a sealed archive file (default <data dir>/archives/audit-<first>-<through>.jsonl), verified
 * before anything is removed. Refuses a log that does not verify, and events a SIEM destination has
 * not acknowledged yet (unless --force). Check the file later with `npm run audit:verify -- FILE`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { headFilePath } from './checkpoint-store.js';
import { archiveLog, RETENTION_MIGRATIONS } from './retention.js';
import { auditKeyPath, AuditKeyError, readAuditKeyFile } from './signing-key.js';
import { checkIntegrity } from './startup-check.js';
import { openStore } from '../store/sqlite-store.js';

const USAGE = 'usage: npm run audit:archive -- <data dir> --before <ISO date> [--out FILE] [--key-file FILE] [--force]\n';
const option = (argv: string[], name: string) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] : undefined);

async function main(argv: string[]): Promise<number> {
  const target = argv.find((a, i) => !a.startsWith('-') && !['--before', '--out', '--key-file'].includes(argv[i - 1] ?? ''));
  const beforeText = option(argv, '--before');
  const before = beforeText ? new Date(beforeText) : undefined;
  if (!target || !before || Number.isNaN(before.getTime())) {
    process.stderr.write(USAGE);
    return 2;
  }
  const dataDir = resolve(target);
  const signer = readAuditKeyFile(resolve(option(argv, '--key-file') ?? auditKeyPath(dataDir, process.env)));
  const store = openStore({ dataDir });
  try {
    store.applyMigrations(RETENTION_MIGRATIONS);
    const report = await checkIntegrity(store.db, { keys: [signer.checkKey], headFile: headFilePath(signer.path) });
    if (report.alerts.length > 0) {
      process.stdout.write(`REFUSED: the audit log does not verify, so nothing is archived:\n${report.alerts.map((a) => `  ${a.message}`).join('\n')}\n`);
      return 1;
    }
    const anchor = store.db.prepare('SELECT MIN(seq) FROM audit_events').pluck().get() as number;
    const through = store.db.prepare('SELECT MAX(seq) FROM audit_checkpoints WHERE seq <= (SELECT MAX(seq) FROM audit_events WHERE at < ?)').pluck().get(before.toISOString()) as number | null;
    const outPath = resolve(option(argv, '--out') ?? join(dataDir, 'archives', `audit-${anchor}-${through ?? 0}.jsonl`));
    mkdirSync(dirname(outPath), { recursive: true, mode: 0o700 });
    const result = await archiveLog({ store, signer, before, outPath, now: () => new Date(), force: argv.includes('--force') });
    if (result.archived === 0 || !('seal' in result)) {
      process.stdout.write(`${'reason' in result ? result.reason : 'nothing to archive'}\n`);
      return 0;
    }
    process.stdout.write(
      `ARCHIVED ${result.archived} events, seq ${result.seal.firstSeq} to ${result.seal.throughSeq}, to ${result.file}\n` +
        `sealed with key ${result.seal.keyId} (content SHA-256 ${result.seal.contentSha256}); the log continues at seq ${result.seal.throughSeq + 1}, recorded as event ${result.archivedEvent.id}\n`,
    );
    return 0;
  } finally {
    store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof AuditKeyError || error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
