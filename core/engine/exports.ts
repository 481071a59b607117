/**
 * Exports leave an event: who may make which export, and whether a record of one holds together
 * (sync-server/commands/export-record.ts records it as `export.made`).
 */
import type { AccountRole } from '../schema/common.js';
import type { ExportKind, ExportRecord } from '../schema/export.js';
import { err, ok, type Result } from './result.js';

/** Who may make each export: those whose screens offer it (Evidence; Requests; a campaign's evidence). */
export const EXPORT_ROLES: Record<ExportKind, readonly AccountRole[]> = {
  evidence_pack: ['auditor', 'admin'],
  requests_csv: ['approver', 'policy_admin', 'reviewer', 'auditor', 'admin'],
  review_evidence_csv: ['approver', 'policy_admin', 'reviewer', 'auditor', 'admin'],
};

export const EXPORT_WORDS: Record<ExportKind, string> = {
  evidence_pack: 'evidence pack',
  requests_csv: 'requests CSV',
  review_evidence_csv: 'review evidence CSV',
};

export const mayExport = (roles: readonly AccountRole[], kind: ExportKind): boolean => roles.some((r) => EXPORT_ROLES[kind].includes(r));

/** How far ahead of the server's clock a device's madeAt may be before the record says so (clock skew). */
export const MADE_AT_SKEW_MS = 5 * 60_000;

/**
 * How far the device's madeAt is ahead of the server's time, past the skew allowed; null within it.
 * Such an export is still recorded (it was made; refusing would leave it off the trail), saying so.
 */
export function madeAtAheadMs(record: Pick<ExportRecord, 'madeAt'>, now: Date): number | null {
  const ahead = Date.parse(record.madeAt) - now.getTime();
  return ahead > MADE_AT_SKEW_MS ? ahead : null;
}

/** Refused, with a sentence naming what is wrong, unless the sender may make this export and the record holds together. */
export function checkExportRecord(record: ExportRecord, sender: { displayName: string; roles: readonly AccountRole[] }): Result<true> {
  const what = EXPORT_WORDS[record.kind];
  const an = /^[aeiou]/.test(what) ? 'an' : 'a';
  if (!mayExport(sender.roles, record.kind)) {
    return err('forbidden', `${sender.displayName} (${sender.roles.join(', ') || 'no roles'}) may not make ${an} ${what}; ${EXPORT_ROLES[record.kind].join(', ')} may`);
  }
  if (record.kind === 'evidence_pack') {
    if (!record.period) return err('invalid_input', 'period: an evidence pack names the period it covers');
    if (!record.manifestSha256) return err('invalid_input', "manifestSha256: an evidence pack names its manifest's hash");
  }
  if (record.period && Date.parse(record.period.from) >= Date.parse(record.period.to)) return err('invalid_input', `period: from ${record.period.from} must be before to ${record.period.to}`);
  if (record.kind === 'review_evidence_csv' && (!record.campaignId || record.run === undefined)) return err('invalid_input', 'campaignId and run: a review evidence CSV names the campaign run it exports');
  if (record.kind !== 'review_evidence_csv' && (record.campaignId || record.run !== undefined)) return err('invalid_input', `campaignId and run: only a review evidence CSV names a campaign, not ${an} ${what}`);
  return ok(true);
}
