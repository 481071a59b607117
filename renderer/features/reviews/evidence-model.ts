/**
 * A campaign's evidence as one record per review item of a run: what the snapshot froze, who
 * decided each stage, when and why, the final decision and where it came from (a reviewer or the
 * default at the deadline), what was applied, and the verification receipts read back from the
 * directory. The page shows it; the CSV is the same rows through the shared CSV helper.
 */
import type { Verification } from '../../../core/index.js';
import type { ReviewItem } from '../../../core/schema/review.js';
import { toCsv } from '../../lib/csv.js';
import { DECISION_LABEL, RECOMMENDATION_LABEL, SUBJECT_LABEL } from './inbox-model.js';

export const APPLY_WORDS: Record<ReviewItem['apply']['state'], string> = {
  none: 'Nothing to apply',
  applying: 'Removal under way',
  applied: 'Removed; reading the directory back',
  verified: 'Verified gone',
  refused: 'Not removed (refused)',
  failed: 'Removal failed; escalated',
};

const RECEIPT_WORDS: Record<Verification['result'], string> = { effective: 'still effective', gone: 'gone', still_present: 'still present', drift: 'drift', inconclusive: 'inconclusive' };

export type EvidenceRow = {
  item: ReviewItem;
  /** Final decision in words: "Keep (reviewer)", "Remove (default at the deadline)", "Flagged", "Undecided". */
  outcome: string;
  receipts: Verification[];
};

export function outcomeWords(item: Pick<ReviewItem, 'decision' | 'decisionSource' | 'flagged'>): string {
  if (item.flagged) return 'Flagged for follow-up (kept)';
  if (!item.decision) return 'Undecided';
  return `${DECISION_LABEL[item.decision]}${item.decisionSource === 'default' ? ' (default at the deadline)' : ''}`;
}

/** The receipts of an item's removal: the ones it names, else every receipt of its removal grant. */
export function receiptsOf(item: ReviewItem, byGrant: ReadonlyMap<string, readonly Verification[]>, byId: ReadonlyMap<string, Verification>): Verification[] {
  const named = item.apply.receiptIds.map((id) => byId.get(id)).filter((v): v is Verification => Boolean(v));
  if (named.length > 0 || !item.apply.grantId) return named;
  return [...(byGrant.get(item.apply.grantId) ?? [])].filter((v) => v.purpose === 'revocation');
}

export function evidenceRows(items: readonly ReviewItem[], campaignId: string, run: number, verifications: readonly Verification[]): EvidenceRow[] {
  const byId = new Map(verifications.map((v) => [v.id, v]));
  const byGrant = new Map<string, Verification[]>();
  for (const v of verifications) byGrant.set(v.grantId, [...(byGrant.get(v.grantId) ?? []), v]);
  return items
    .filter((i) => i.campaignId === campaignId && i.run === run)
    .sort((a, b) => a.subject.resourceName.localeCompare(b.subject.resourceName) || a.subject.displayName.localeCompare(b.subject.displayName) || (a.id < b.id ? -1 : 1))
    .map((item) => ({ item, outcome: outcomeWords(item), receipts: receiptsOf(item, byGrant, byId) }));
}

/** The receipt in one line: "gone · 3 consistent reads · 2026-12-02T10:01:00Z · GET /groups/…/members". */
export function receiptLine(v: Verification): string {
  return `${RECEIPT_WORDS[v.result]} · ${v.consistentReads} consistent read${v.consistentReads === 1 ? '' : 's'} · ${v.finishedAt} · ${v.endpoint}`;
}

export const EVIDENCE_HEADER = [
  'campaign',
  'run',
  'item',
  'person',
  'person id',
  'principal',
  'resource',
  'resource id',
  'what',
  'recommendations',
  'stage decisions',
  'decision',
  'reason',
  'decided by',
  'decided at',
  'applied',
  'apply message',
  'receipts',
] as const;

/** The evidence as CSV (formula injection neutralised by the helper); names from `nameOf` where the replica knows them. */
export function evidenceCsv(campaignName: string, rows: readonly EvidenceRow[], nameOf: (id: string) => string): string {
  return toCsv(
    EVIDENCE_HEADER,
    rows.map(({ item, outcome, receipts }) => [
      campaignName,
      item.run,
      item.id,
      item.subject.displayName,
      item.subject.userId ?? '',
      item.subject.principalId,
      item.subject.resourceName,
      item.subject.resourceId,
      SUBJECT_LABEL[item.subject.type],
      item.recommendations.map((r) => `${RECOMMENDATION_LABEL[r.code]}: ${r.reason}`).join('; '),
      item.stageDecisions.map((s) => `stage ${s.stage}: ${s.decision ? `${s.decision} by ${s.decidedBy ? nameOf(s.decidedBy) : 'nobody'} at ${s.decidedAt ?? ''}${s.reason ? ` (${s.reason})` : ''}` : 'undecided'}`).join('; '),
      outcome,
      item.reason || item.flagReason,
      item.decidedBy ? nameOf(item.decidedBy) : item.decisionSource === 'default' ? 'default' : '',
      item.decidedAt ?? '',
      APPLY_WORDS[item.apply.state],
      item.apply.message,
      receipts.map(receiptLine).join('; '),
    ]),
    { bom: true },
  );
}
