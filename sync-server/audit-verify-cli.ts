/**
 * `npm run audit:verify -- <data dir>`: verifies the audit hash chain offline, opening the SQLite
 * file read-only. Prints "OK <count> events, head <hash>" and exits 0, or names the first altered,
 * removed or reordered event and exits 1 (2 for usage or file errors).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { verifyChain } from '../core/index.js';
import { readAuditEvents, STORE_FILE_NAME } from './store/sqlite-store.js';

function main(argv: string[]): number {
  const target = argv.find((a) => !a.startsWith('-'));
  if (!target) {
    process.stderr.write('usage: npm run audit:verify -- <data dir | jit.sqlite>\n');
    return 2;
  }
  const path = resolve(target.endsWith('.sqlite') ? target : join(target, STORE_FILE_NAME));
  if (!existsSync(path)) {
    process.stderr.write(`no audit store at ${path}\n`);
    return 2;
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const result = verifyChain(readAuditEvents(db));
    if (result.ok) {
      process.stdout.write(`OK ${result.events} events, head ${result.headHash}\n`);
      return 0;
    }
    const p = result.firstProblem;
    process.stdout.write(`FAILED at event ${p.eventId} (seq ${p.seq}): ${p.problem}\n${result.message}\n`);
    process.stdout.write(`${result.events - 1} events before it verified; last good hash ${result.headHash}\n`);
    return 1;
  } finally {
    db.close();
  }
}

process.exitCode = main(process.argv.slice(2));
