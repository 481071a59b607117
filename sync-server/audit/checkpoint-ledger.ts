/**
 * Whether checkpoints were removed along with the side file. The side file beside the key shows
 * checkpoints deleted from the database; whoever can also delete that file (write access to the
 * key's directory is enough, reading the key is not needed) would otherwise leave a log that looks
 * never signed, which the server then signs afresh after a rewrite. Two things say it was signed:
 *
 * - the ledger: one row counting every checkpoint ever stored and the last seq signed, kept by a
 *   trigger on audit_checkpoints and guarded like it, so deleting checkpoints also means rewriting
 *   the ledger consistently and putting its triggers back exactly as made;
 * - the key itself: a key that signed before (it was not generated at this start), a checkpoint
 *   table that is not new, no checkpoint in it and a log longer than one checkpoint interval cannot
 *   happen to a server that was left alone, since it signs at every start, at close and every N events.
 */
import type Database from 'better-sqlite3';
import type { MigrationSet } from '../store/types.js';
import type { AuditAlert } from './startup-check.js';

export const CHECKPOINT_LEDGER_TRIGGERS: Record<string, string> = {
  audit_checkpoints_counted: `CREATE TRIGGER audit_checkpoints_counted AFTER INSERT ON audit_checkpoints
       BEGIN UPDATE audit_checkpoint_ledger SET count = count + 1, last_seq = NEW.seq WHERE id = 1; END`,
  audit_checkpoint_ledger_no_update: `CREATE TRIGGER audit_checkpoint_ledger_no_update BEFORE UPDATE ON audit_checkpoint_ledger
       WHEN NEW.id IS NOT OLD.id OR NEW.count IS NOT OLD.count + 1 OR NEW.last_seq IS NOT (SELECT MAX(seq) FROM audit_checkpoints)
       BEGIN SELECT RAISE(ABORT, 'the audit checkpoint ledger only counts checkpoints as they are stored'); END`,
  audit_checkpoint_ledger_no_delete: `CREATE TRIGGER audit_checkpoint_ledger_no_delete BEFORE DELETE ON audit_checkpoint_ledger
       BEGIN SELECT RAISE(ABORT, 'the audit checkpoint ledger only counts checkpoints as they are stored'); END`,
};

const LEDGER_TABLE_SQL = `CREATE TABLE audit_checkpoint_ledger (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       count INTEGER NOT NULL,
       last_seq INTEGER NOT NULL
     )`;

/** Applied after AUDIT_CHECKPOINT_MIGRATIONS; on a store that already has checkpoints it starts from them. */
export const CHECKPOINT_LEDGER_MIGRATIONS: MigrationSet = {
  name: 'audit-checkpoint-ledger',
  steps: [
    [LEDGER_TABLE_SQL, 'INSERT INTO audit_checkpoint_ledger (id, count, last_seq) SELECT 1, COUNT(*), COALESCE(MAX(seq), 0) FROM audit_checkpoints', ...Object.values(CHECKPOINT_LEDGER_TRIGGERS)].join(';\n') + ';',
  ],
};

const hasTable = (db: Database.Database, name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
const migrated = (db: Database.Database, set: string) => hasTable(db, 'migrations') && db.prepare('SELECT 1 FROM migrations WHERE name = ?').get(set) !== undefined;

/** Whether this data file already had a checkpoint table before this start (asked before migrating). */
export const checkpointsMigrated = (db: Database.Database) => migrated(db, 'audit-checkpoints');

export type LedgerFacts = {
  /** The signing key existed before this start (it was not generated now). */
  keyExisted: boolean;
  /** The checkpoint table existed before this start (false on a store from before checkpoints). */
  checkpointTableExisted: boolean;
  /** The checkpoint count rule: a log longer than this with no checkpoint at all was not left alone. */
  everyEvents: number;
};

const alert = (message: string): AuditAlert => ({ kind: 'checkpoints_removed', subject: { type: 'audit', id: 'checkpoints' }, message });

/** Read-only: what the ledger and the key say about the checkpoints present (the verify CLI runs it on a read-only handle). */
export function inspectCheckpointLedger(db: Database.Database, facts: LedgerFacts): AuditAlert[] {
  const alerts: AuditAlert[] = [];
  const stored = hasTable(db, 'audit_checkpoints') ? (db.prepare('SELECT COUNT(*) AS count, COALESCE(MAX(seq), 0) AS lastSeq FROM audit_checkpoints').get() as { count: number; lastSeq: number }) : { count: 0, lastSeq: 0 };
  if (hasTable(db, 'audit_checkpoint_ledger')) {
    const ledger = db.prepare('SELECT count, last_seq AS lastSeq FROM audit_checkpoint_ledger WHERE id = 1').get() as { count: number; lastSeq: number } | undefined;
    if (!ledger) alerts.push(alert('the audit checkpoint ledger is empty: its row was deleted, as it would be to hide removed checkpoints'));
    else if (ledger.count !== stored.count || ledger.lastSeq !== stored.lastSeq) {
      alerts.push(alert(`the database recorded ${ledger.count} signed checkpoint(s) up to seq ${ledger.lastSeq}, but ${stored.count} remain${stored.count ? ` (up to seq ${stored.lastSeq})` : ''}: checkpoints were deleted${stored.count > ledger.count ? ' or added behind the ledger' : ''}`));
    }
  } else if (migrated(db, CHECKPOINT_LEDGER_MIGRATIONS.name)) {
    alerts.push(alert('the audit checkpoint ledger table was dropped, as it would be to hide removed checkpoints'));
  }
  if (facts.keyExisted && facts.checkpointTableExisted && stored.count === 0) {
    const head = hasTable(db, 'audit_events') ? ((db.prepare('SELECT COALESCE(MAX(seq), 0) FROM audit_events').pluck().get() as number) ?? 0) : 0;
    if (head > facts.everyEvents) {
      alerts.push(alert(`the audit signing key signed before, yet no checkpoint is stored and the log holds ${head} events (a checkpoint is signed every ${facts.everyEvents}, at each start and at close): every checkpoint was deleted, and the side file beside the key with them`));
    }
  }
  return alerts;
}

/**
 * At start, after the migrations: the alerts, then the ledger put back when its table or row was
 * removed (from the checkpoints present, so the next start checks against it again). A ledger that
 * disagrees is left as it is, so the alert repeats at each start until the file is restored.
 */
export function checkCheckpointLedger(db: Database.Database, facts: LedgerFacts): AuditAlert[] {
  const alerts = inspectCheckpointLedger(db, facts);
  db.transaction(() => {
    if (!hasTable(db, 'audit_checkpoint_ledger')) db.exec(LEDGER_TABLE_SQL);
    if (!db.prepare('SELECT 1 FROM audit_checkpoint_ledger WHERE id = 1').get()) {
      db.exec('INSERT INTO audit_checkpoint_ledger (id, count, last_seq) SELECT 1, COUNT(*), COALESCE(MAX(seq), 0) FROM audit_checkpoints');
    }
  }).immediate();
  return alerts;
}
