/**
 * Retention (docs/decisions/audit-siem-and-retention.md). The log is kept indefinitely unless an
 * operator runs `npm run audit:archive`, which moves the events up to the last signed checkpoint
 * older than a date into a sealed archive file (the events, the checkpoints covering them, a seal
 * signed with the audit key), verifies the file, and only then removes them from the store. The
 * seal stays in the store as the anchor the remaining log continues from; an `audit.archived`
 * event records it (with the reconciliation state the archived events had built) and is signed.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  ARCHIVE_FORMAT,
  ArchiveSeal,
  AuditCheckpoint,
  archiveSealMessage,
  emptyLogState,
  foldEvent,
  GENESIS_HASH,
  snapshotLogState,
  verifyAuditLog,
  type AuditEvent,
  type AuditLogProblem,
  type ChainAnchor,
  type CheckpointKey,
} from '../../core/index.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { readAuditEvents } from '../store/sqlite-store.js';
import type { MigrationSet, Store } from '../store/types.js';
import { headFilePath, insertCheckpoint, writeHeadFile } from './checkpoint-store.js';
import { AUDIT_EVENT_TRIGGERS } from './guards.js';
import { ARCHIVE_TRIGGERS } from './retention-guards.js';
import { slowestSiemCursor } from './siem/forwarder.js';
import type { AuditSigner } from './signing-key.js';

export const RETENTION_MIGRATIONS: MigrationSet = {
  name: 'audit-retention',
  steps: [
    [
      `CREATE TABLE audit_archives (
       through_seq INTEGER PRIMARY KEY,
       seal TEXT NOT NULL
     )`,
      ...Object.values(ARCHIVE_TRIGGERS),
    ].join(';\n') + ';',
  ],
};

/** The latest archive's seal: the remaining log starts right after its throughSeq. Null when nothing was archived. */
export function readArchiveAnchor(db: Database.Database): ArchiveSeal | { unreadable: string } | null {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_archives'").get()) return null;
  const text = db.prepare('SELECT seal FROM audit_archives ORDER BY through_seq DESC LIMIT 1').pluck().get() as string | undefined;
  if (text === undefined) return null;
  try {
    return ArchiveSeal.parse(JSON.parse(text));
  } catch (error) {
    return { unreadable: `the archive anchor in the store is not a seal (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
}

export const anchorOf = (seal: ArchiveSeal): ChainAnchor => ({ seq: seal.throughSeq, hash: seal.throughHash });

/** Whether the seal's signature verifies with one of the keys: a problem's message, or null. */
export async function sealProblem(seal: ArchiveSeal, keys: readonly CheckpointKey[]): Promise<string | null> {
  const key = keys.find((k) => k.keyId === seal.keyId);
  if (!key) return `the archive seal through seq ${seal.throughSeq} is signed with key ${seal.keyId}, which is not the audit key`;
  const { signature, ...unsigned } = seal;
  if (!(await key.verify(archiveSealMessage(unsigned), hexToBytes(signature)))) return `the archive seal through seq ${seal.throughSeq} has a signature that does not verify: it was forged or altered`;
  return null;
}

export type ArchiveHeader = { format: string; firstSeq: number; prevHash: string; throughSeq: number; throughHash: string; createdAt: string; keyId: string; publicKey: string };
export type ArchiveVerification = { ok: boolean; problems: string[]; seal: ArchiveSeal | null; events: number; checkpoints: number };

/** Checks an archive file offline: the seal's signature and digest, the chain from its first event, every checkpoint in it, and that a signed checkpoint covers its last event. */
export async function verifyArchiveFile(path: string, keys: readonly CheckpointKey[]): Promise<ArchiveVerification> {
  const problems: string[] = [];
  const text = readFileSync(path, 'utf8');
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const sealStart = body.lastIndexOf('\n') + 1;
  let seal: ArchiveSeal | null = null;
  let header: ArchiveHeader;
  const events: AuditEvent[] = [];
  const checkpoints: AuditCheckpoint[] = [];
  try {
    seal = ArchiveSeal.parse((JSON.parse(body.slice(sealStart)) as { seal: unknown }).seal);
    const lines = body.slice(0, sealStart).split('\n').filter(Boolean);
    header = JSON.parse(lines[0] ?? '{}') as ArchiveHeader;
    for (const line of lines.slice(1)) {
      const entry = JSON.parse(line) as { event?: AuditEvent; checkpoint?: unknown };
      if (entry.event) events.push(entry.event);
      else if (entry.checkpoint) checkpoints.push(AuditCheckpoint.parse(entry.checkpoint));
      else problems.push(`a line of the archive is neither an event nor a checkpoint: ${line.slice(0, 60)}`);
    }
  } catch (error) {
    return { ok: false, problems: [`${path} is not an audit archive: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`], seal, events: events.length, checkpoints: checkpoints.length };
  }
  if (header.format !== ARCHIVE_FORMAT) problems.push(`the archive's format is "${header.format}", not ${ARCHIVE_FORMAT}`);
  const signatureProblem = await sealProblem(seal, keys);
  if (signatureProblem) problems.push(signatureProblem);
  const digest = createHash('sha256').update(text.slice(0, sealStart), 'utf8').digest('hex');
  if (digest !== seal.contentSha256) problems.push(`the archive's content does not have the SHA-256 its seal names: a line was edited, added or removed`);
  for (const field of ['firstSeq', 'prevHash', 'throughSeq', 'throughHash'] as const) {
    if (header[field] !== seal[field]) problems.push(`the archive's header says ${field} ${header[field]}, its seal ${seal[field]}`);
  }
  const last = events.at(-1);
  if (!last || last.seq !== seal.throughSeq || last.hash !== seal.throughHash) problems.push(`the archive's last event is ${last ? `seq ${last.seq}` : 'missing'}, but its seal says it ends at seq ${seal.throughSeq}`);
  const anchor = seal.firstSeq > 1 ? { seq: seal.firstSeq - 1, hash: seal.prevHash } : undefined;
  if (!anchor && seal.prevHash !== GENESIS_HASH) problems.push('the archive starts at seq 1 but not from the genesis hash');
  const v = await verifyAuditLog(events, checkpoints, { keys, ...(anchor ? { anchor } : {}) });
  problems.push(...v.problems.map((p: AuditLogProblem) => p.message));
  if (v.ok && v.signedUpTo?.seq !== seal.throughSeq) problems.push(`no signed checkpoint in the archive covers its last event (seq ${seal.throughSeq})`);
  return { ok: problems.length === 0, problems, seal, events: events.length, checkpoints: checkpoints.length };
}

export type ArchiveResult = { archived: 0; reason: string } | { archived: number; file: string; seal: ArchiveSeal; archivedEvent: AuditEvent };

/**
 * Moves the events up to the last signed checkpoint before `before` into `outPath`. The caller has
 * checked the log verifies (the CLI runs the start check first) and that the server is stopped.
 */
export async function archiveLog(opts: { store: Store; signer: AuditSigner; before: Date; outPath: string; now: () => Date; force?: boolean }): Promise<ArchiveResult> {
  const { store, signer } = opts;
  const db = store.db;
  store.applyMigrations(RETENTION_MIGRATIONS);
  const previous = readArchiveAnchor(db);
  if (previous && 'unreadable' in previous) throw new Error(previous.unreadable);
  const firstSeq = (previous?.throughSeq ?? 0) + 1;
  const prevHash = previous?.throughHash ?? GENESIS_HASH;
  const lastBefore = db.prepare('SELECT MAX(seq) FROM audit_events WHERE at < ?').pluck().get(opts.before.toISOString()) as number | null;
  const cut = lastBefore === null ? undefined : (db.prepare('SELECT * FROM audit_checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq DESC LIMIT 1').get(firstSeq, lastBefore) as { seq: number; hash: string } | undefined);
  if (!cut) return { archived: 0, reason: `no signed checkpoint at or after seq ${firstSeq} covers only events before ${opts.before.toISOString()}: nothing to archive` };
  const slowest = slowestSiemCursor(db);
  if (slowest && slowest.ackedSeq < cut.seq && !opts.force) {
    throw new Error(`the SIEM destination ${slowest.sink} has acknowledged only up to seq ${slowest.ackedSeq}; archiving through seq ${cut.seq} would take events it has not received (--force to archive anyway)`);
  }

  // The file first, flushed to disk, read back and verified; the store changes only after that.
  const createdAt = opts.now().toISOString();
  const header: ArchiveHeader = { format: ARCHIVE_FORMAT, firstSeq, prevHash, throughSeq: cut.seq, throughHash: cut.hash, createdAt, keyId: signer.keyId, publicKey: signer.publicKey };
  const temp = `${opts.outPath}.${process.pid}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  const hash = createHash('sha256');
  const write = (line: string) => {
    hash.update(line, 'utf8');
    writeSync(fd, line);
  };
  let count = 0;
  try {
    write(`${JSON.stringify(header)}\n`);
    for (const event of readAuditEvents(db, firstSeq)) {
      if (event.seq > cut.seq) break;
      write(`${JSON.stringify({ event })}\n`);
      count++;
    }
    for (const checkpoint of db.prepare('SELECT seq, hash, at, key_id AS keyId, signature FROM audit_checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq').all(firstSeq, cut.seq) as AuditCheckpoint[]) {
      write(`${JSON.stringify({ checkpoint })}\n`);
    }
    const unsigned = { firstSeq, prevHash, throughSeq: cut.seq, throughHash: cut.hash, contentSha256: hash.digest('hex'), at: createdAt, keyId: signer.keyId };
    const seal: ArchiveSeal = { ...unsigned, signature: signer.signBytes(archiveSealMessage(unsigned)) };
    writeSync(fd, `${JSON.stringify({ seal })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, opts.outPath);
  const check = await verifyArchiveFile(opts.outPath, [signer.checkKey]);
  if (!check.ok || !check.seal) throw new Error(`the archive written to ${opts.outPath} does not verify, so nothing was removed: ${check.problems.join('; ')}`);
  const seal = check.seal;

  // The state the archived events built, as of the head now, carried by the event that records the archive.
  const state = emptyLogState();
  for (const event of readAuditEvents(db, firstSeq)) foldEvent(state, event);
  const archivedEvent = store.tx(() => {
    db.prepare('INSERT INTO audit_archives (through_seq, seal) VALUES (?, ?)').run(seal.throughSeq, JSON.stringify(seal));
    const event = store.appendAudit({
      type: 'audit.archived',
      actorId: 'system',
      subjectType: 'audit',
      subjectId: `archive-${seal.throughSeq}`,
      data: { firstSeq, throughSeq: seal.throughSeq, throughHash: seal.throughHash, contentSha256: seal.contentSha256, events: count, file: opts.outPath.split('/').pop(), state: snapshotLogState(state) },
      at: createdAt,
    });
    // The one sanctioned removal: the guard is lifted and put back as made, in this transaction.
    db.exec('DROP TRIGGER audit_events_no_delete');
    db.prepare('DELETE FROM audit_events WHERE seq <= ?').run(seal.throughSeq);
    db.exec(AUDIT_EVENT_TRIGGERS.audit_events_no_delete as string);
    return event;
  });
  // The record of the archive is signed at once.
  const head = store.auditHead();
  const cp = signer.sign({ seq: head.seq, hash: head.hash, at: createdAt, keyId: signer.keyId });
  insertCheckpoint(db, cp);
  writeHeadFile(headFilePath(signer.path), cp);
  return { archived: count, file: opts.outPath, seal, archivedEvent };
}
