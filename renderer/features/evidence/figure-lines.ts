/** The summary figures as the lines the PDF prints (label, value, the item whose controls they evidence). */
import type { EvidenceItem } from './controls.js';
import { REVOCATION_CATEGORY_WORDS } from '../../../core/index.js';
import { formatDuration, LATE_REVOCATION_MS, type Distribution, type EvidenceFigures } from './evidence-model.js';

export type FigureLine = { item: EvidenceItem; label: string; value: string };

const spread = (d: Distribution) => (d.count === 0 ? 'none' : `median ${formatDuration(d.medianMs)}, p90 ${formatDuration(d.p90Ms)}, max ${formatDuration(d.maxMs)} (${d.count})`);

export function figureLines(f: EvidenceFigures): FigureLine[] {
  const r = f.requests;
  const v = f.verifications.byResult;
  return [
    { item: 'requests', label: 'Requests asked', value: String(r.total) },
    { item: 'requests', label: 'Request outcomes', value: `${r.approved} approved (${r.autoApproved} automatically), ${r.denied} denied, ${r.expired} expired, ${r.cancelled} cancelled, ${r.open} open` },
    { item: 'refused_ineligible', label: 'Refused as not eligible', value: String(r.ineligible) },
    { item: 'approval_time', label: 'Time to approval', value: spread(f.approvalTime) },
    { item: 'grants', label: 'Grants started', value: String(f.grants.started) },
    { item: 'grants', label: 'Grants ended', value: String(f.grants.ended) },
    { item: 'revocation_reasons', label: 'Grants ended, by reason', value: f.revocationsByCategory.length === 0 ? 'none' : f.revocationsByCategory.map((c) => `${c.count} ${REVOCATION_CATEGORY_WORDS[c.category].toLowerCase()}`).join(', ') },
    { item: 'people_with_access', label: 'People holding a grant', value: String(f.grants.peopleWithAccess) },
    { item: 'revocation_lateness', label: 'Revocation lateness', value: spread(f.revocationLateness) },
    { item: 'revocation_lateness', label: `Late revocations (over ${formatDuration(LATE_REVOCATION_MS)})`, value: String(f.revocationLateness.late) },
    { item: 'revocation_lateness', label: 'Failed revocations', value: String(f.failedRevocations) },
    { item: 'verification_outcomes', label: 'Verification receipts', value: `${f.verifications.total}: ${v.effective} effective, ${v.gone} gone, ${v.still_present} still present, ${v.drift} drift, ${v.inconclusive} inconclusive` },
    { item: 'drift', label: 'Drift found', value: `${f.drift.receipts} receipts on ${f.drift.grants} grants` },
    { item: 'break_glass', label: 'Break-glass uses', value: String(f.breakGlass) },
    { item: 'sign_ins', label: 'Sign-ins', value: `${f.signIns.succeeded} succeeded, ${f.signIns.failed} failed; second factor ${f.signIns.stepUpSucceeded} proved, ${f.signIns.stepUpFailed} failed` },
  ];
}
