/**
 * The triggers that keep the audit log and its checkpoints append-only. Anyone holding the file can
 * `DROP TRIGGER` them (or replace one with a body that lets everything through), so the server
 * checks them at each start and puts back any that is missing or not as the migrations made it.
 */
import type Database from 'better-sqlite3';
import { GENESIS_HASH } from '../../core/index.js';
import { CHECKPOINT_LEDGER_TRIGGERS } from './checkpoint-ledger.js';
import { CHECKPOINT_TRIGGERS } from './checkpoint-store.js';
import { AUDIT_BLOCK_TRIGGERS } from '../store/audit-blocks.js';
import { ARCHIVE_TRIGGERS } from './retention-guards.js';

/** The audit log's guards, exactly as sync-server/store/migrations.ts (core steps 2 and 4) creates them. */
export const AUDIT_EVENT_TRIGGERS: Record<string, string> = {
  audit_events_no_update: `CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`,
  audit_events_no_delete: `CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`,
  audit_events_append_at_head: `CREATE TRIGGER audit_events_append_at_head BEFORE INSERT ON audit_events
       WHEN NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM audit_events), 0) + 1
         OR NEW.id IS NOT 'ae-' || NEW.seq
         OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_events WHERE seq = NEW.seq - 1), '${GENESIS_HASH}')
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: each is appended at the head of the chain, linked to it'); END`,
};

export const AUDIT_GUARDS: Record<string, string> = { ...AUDIT_EVENT_TRIGGERS, ...AUDIT_BLOCK_TRIGGERS, ...CHECKPOINT_TRIGGERS, ...CHECKPOINT_LEDGER_TRIGGERS, ...ARCHIVE_TRIGGERS };

/** The table a guard needs: on a file from before it, there is nothing to guard yet. */
const guardTable = (name: string) =>
  name in CHECKPOINT_LEDGER_TRIGGERS ? 'audit_checkpoint_ledger' : name in AUDIT_BLOCK_TRIGGERS ? 'audit_blocks' : name in ARCHIVE_TRIGGERS ? 'audit_archives' : name.startsWith('audit_checkpoints') ? 'audit_checkpoints' : 'audit_events';

const normalise = (sql: string) => sql.replace(/\s+/g, ' ').replace(/;\s*$/, '').trim();

export type GuardRepair = { trigger: string; was: 'missing' | 'altered' };

/** The guards that are missing or not as the migrations made them (read-only: the verify CLI reports them). */
export function inspectGuards(db: Database.Database): GuardRepair[] {
  const present = new Map(
    (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { name: string; sql: string | null }[]).map((r) => [r.name, r.sql ?? '']),
  );
  const wrong: GuardRepair[] = [];
  for (const [name, sql] of Object.entries(AUDIT_GUARDS)) {
    const found = present.get(name);
    // Checkpoint (or ledger) guards on a file from before them: nothing to guard yet.
    if (found === undefined && !db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(guardTable(name))) continue;
    if (found !== undefined && normalise(found) === normalise(sql)) continue;
    wrong.push({ trigger: name, was: found === undefined ? 'missing' : 'altered' });
  }
  return wrong;
}

/** Puts back every guard that is missing or altered, in one transaction; returns what it repaired. */
export function restoreGuards(db: Database.Database): GuardRepair[] {
  const repairs = inspectGuards(db);
  if (repairs.length === 0) return repairs;
  db.transaction(() => {
    for (const { trigger, was } of repairs) {
      if (was === 'altered') db.exec(`DROP TRIGGER ${trigger}`);
      db.exec(AUDIT_GUARDS[trigger] as string);
    }
  }).immediate();
  return repairs;
}
