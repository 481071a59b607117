/**
 * The server's audit trail beyond the chain itself (docs/decisions/signed-checkpoints.md): the
 * signing key, the start-up integrity check with its alerts, the checkpointer, and the time rule
 * that seals the open tail of the log as a block.
 *
 *   const audit = await openAuditTrail({ store, now, dataDir, settings });   // before anything appends
 *   audit.alerts      // what the start check found (each also an audit.integrity_alert event)
 *   audit.close()     // signs the head one last time, stops the timer
 */
import { existsSync } from 'node:fs';
import { DEFAULT_BLOCK_SEAL_MINUTES, startBlockSealer, type BlockSealer } from './block-sealer.js';
import type { AuditCheckpoint } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { AUDIT_CHECKPOINT_MIGRATIONS, headFilePath, lastCheckpoint, readCheckpoints, writeHeadFile } from './checkpoint-store.js';
import { DEFAULT_CHECKPOINT_EVERY_EVENTS, DEFAULT_CHECKPOINT_EVERY_MINUTES, startCheckpointer, type Checkpointer, type CheckpointRules } from './checkpointer.js';
import { checkCheckpointLedger, checkpointsMigrated, CHECKPOINT_LEDGER_MIGRATIONS } from './checkpoint-ledger.js';
import { restoreGuards } from './guards.js';
import { RETENTION_MIGRATIONS } from './retention.js';
import { auditKeyPath, loadOrCreateAuditKey, type AuditPublicKey, type AuditSigner } from './signing-key.js';
import { checkIntegrity, type AuditAlert, type IntegrityReport } from './startup-check.js';

export { AUDIT_CHECKPOINT_MIGRATIONS } from './checkpoint-store.js';
export { AuditKeyError, auditKeyPath, type AuditPublicKey } from './signing-key.js';
export type { AuditAlert, IntegrityReport } from './startup-check.js';

export type AuditSettings = {
  /** The signing key file; default auditKeyPath(dataDir) (JIT_AUDIT_KEY_FILE, beside JIT_SECRET_KEY_FILE, or the data directory). */
  keyFile?: string;
  /** Refuse to start on any alert (JIT_AUDIT_STRICT=1). Default false: start, and alert. */
  strict?: boolean;
  /** Sign the head once this many events are unsigned (default 1,000). */
  checkpointEveryEvents?: number;
  /** Sign the head once its oldest unsigned event is this many minutes old (default 5). */
  checkpointEveryMinutes?: number;
  /** Seal the open tail as a block once its first event is this many minutes old (default 5); a full block seals as it fills. */
  blockSealMinutes?: number;
  /** How often the time rules are looked at; 0: only on tick() (tests). Default 30 s. */
  tickMs?: number;
};

/** The start refused in strict mode: the message lists every alert. */
export class AuditIntegrityError extends Error {
  override name = 'AuditIntegrityError';
  constructor(readonly alerts: readonly AuditAlert[]) {
    super(`the audit log does not verify (strict mode, JIT_AUDIT_STRICT): ${alerts.map((a) => a.message).join('; ')}`);
  }
}

export type AuditStatus = {
  publicKey: AuditPublicKey;
  strict: boolean;
  rules: CheckpointRules;
  /** True when the start check found anything: see `alerts`. */
  alert: boolean;
  alerts: readonly (AuditAlert & { at: string })[];
  lastCheckpoint: AuditCheckpoint | null;
};

export type AuditTrail = {
  signer: AuditSigner;
  /** The store's handle, for reading checkpoints. */
  db: Store['db'];
  generatedKey: boolean;
  alerts: readonly AuditAlert[];
  checkpointer: Checkpointer;
  sealer: BlockSealer;
  status(): AuditStatus;
  /** The chain, every signature and the stored state against the log, as GET /api/v1/audit/verify reports it. */
  verify(): Promise<IntegrityReport>;
  close(): void;
};

/** At most this many alert events per start; the rest are counted in one more. */
const MAX_ALERT_EVENTS = 100;

export async function openAuditTrail(opts: { store: Store; now: () => Date; dataDir: string; settings?: AuditSettings; onError?: (error: unknown) => void }): Promise<AuditTrail> {
  const { store, now } = opts;
  const settings = opts.settings ?? {};
  const rules: CheckpointRules = {
    everyEvents: settings.checkpointEveryEvents ?? DEFAULT_CHECKPOINT_EVERY_EVENTS,
    everyMinutes: settings.checkpointEveryMinutes ?? DEFAULT_CHECKPOINT_EVERY_MINUTES,
  };
  if (!Number.isInteger(rules.everyEvents) || rules.everyEvents < 1) throw new Error(`checkpointEveryEvents must be a whole number of at least 1, got ${rules.everyEvents}`);
  if (!(rules.everyMinutes > 0)) throw new Error(`checkpointEveryMinutes must be more than 0, got ${rules.everyMinutes}`);
  const sealMinutes = settings.blockSealMinutes ?? DEFAULT_BLOCK_SEAL_MINUTES;
  if (!(sealMinutes > 0)) throw new Error(`blockSealMinutes must be more than 0, got ${sealMinutes}`);
  const { signer, generated } = loadOrCreateAuditKey(settings.keyFile ?? auditKeyPath(opts.dataDir));
  const checkpointTableExisted = checkpointsMigrated(store.db);
  store.applyMigrations(AUDIT_CHECKPOINT_MIGRATIONS);
  store.applyMigrations(CHECKPOINT_LEDGER_MIGRATIONS);
  store.applyMigrations(RETENTION_MIGRATIONS);
  // Before the guards: a ledger table dropped is made again first, so its triggers can be restored.
  const ledgerAlerts = checkCheckpointLedger(store.db, { keyExisted: !generated, checkpointTableExisted, everyEvents: rules.everyEvents });
  const repairs = restoreGuards(store.db);
  const headFile = headFilePath(signer.path);
  // A store from before checkpoints, or a side file lost with a host move: signed checkpoints but no side file.
  const hadHeadFile = existsSync(headFile);
  const report = await checkIntegrity(store.db, { keys: [signer.checkKey], headFile, repairs });
  report.alerts.push(...ledgerAlerts);
  if (!hadHeadFile && readCheckpoints(store.db).length > 0) {
    report.alerts.push({ kind: 'head_file', subject: { type: 'audit', id: 'head-file' }, message: `the latest signed checkpoint kept beside the key (${headFile}) is missing; it is written again from the store` });
  }
  const alerts = report.alerts;
  if (alerts.length > 0 && settings.strict) throw new AuditIntegrityError(alerts);

  const at = now().toISOString();
  if (alerts.length > 0) {
    store.tx(() => {
      for (const alert of alerts.slice(0, MAX_ALERT_EVENTS)) {
        store.appendAudit({ type: 'audit.integrity_alert', actorId: 'system', subjectType: alert.subject.type, subjectId: alert.subject.id, data: { kind: alert.kind, message: alert.message }, at });
      }
      if (alerts.length > MAX_ALERT_EVENTS) {
        const message = `${alerts.length - MAX_ALERT_EVENTS} more integrity alerts at this start; npm run audit:verify lists them all`;
        store.appendAudit({ type: 'audit.integrity_alert', actorId: 'system', subjectType: 'audit', subjectId: 'start', data: { kind: 'more', message }, at });
      }
    });
  }
  const onError = opts.onError ?? (() => undefined);
  // The sealer first: on a tick where both rules apply, the checkpoint then signs the new block's end.
  const sealer = startBlockSealer({ store, now, sealMinutes, tickMs: settings.tickMs ?? 30_000, onError });
  const checkpointer = startCheckpointer({ store, signer, now, rules, tickMs: settings.tickMs ?? 30_000, onError });
  // Events appended since the last checkpoint (an unclean stop, or the alerts just written) are signed now.
  checkpointer.checkpointNow();
  const last = lastCheckpoint(store.db);
  if (last && !hadHeadFile) writeHeadFile(headFile, last);
  const stamped = alerts.map((a) => ({ ...a, at }));

  return {
    signer,
    db: store.db,
    generatedKey: generated,
    alerts,
    checkpointer,
    sealer,
    status: () => ({
      publicKey: { algorithm: signer.algorithm, keyId: signer.keyId, publicKey: signer.publicKey, publicKeyPem: signer.publicKeyPem },
      strict: settings.strict === true,
      rules,
      alert: stamped.length > 0,
      alerts: stamped,
      lastCheckpoint: checkpointer.last(),
    }),
    verify: () => checkIntegrity(store.db, { keys: [signer.checkKey], headFile }),
    close() {
      try {
        if (store.db.open) checkpointer.checkpointNow();
      } finally {
        checkpointer.stop();
        sealer.stop();
      }
    },
  };
}
