/** The `reviews` collection's two kinds, read and written typed (core/schema/review.ts). */
import { ReviewCampaign, ReviewItem, type AuditEvent, type AuditEventType } from '../../core/index.js';
import type { Store } from '../store/types.js';

export type ReviewAudit = (type: AuditEventType, subjectType: AuditEvent['subjectType'], subjectId: string, data: Record<string, unknown>) => void;

export function getCampaign(store: Store, id: string): ReviewCampaign | null {
  const doc = store.get('reviews', id);
  return doc && doc.kind === 'campaign' ? doc : null;
}

export function getItem(store: Store, id: string): ReviewItem | null {
  const doc = store.get('reviews', id);
  return doc && doc.kind === 'item' ? doc : null;
}

export function runItems(store: Store, campaignId: string, run: number): ReviewItem[] {
  return store.list('reviews', { where: { campaignId, kind: 'item', run } }).filter((d): d is ReviewItem => d.kind === 'item');
}

export const putCampaign = (store: Store, campaign: ReviewCampaign): ReviewCampaign => store.put('reviews', ReviewCampaign.parse(campaign) as never) as ReviewCampaign;
export const putItem = (store: Store, item: ReviewItem): ReviewItem => store.put('reviews', ReviewItem.parse(item) as never) as ReviewItem;

export function countsOf(items: readonly ReviewItem[]): ReviewCampaign['counts'] {
  const counts = { items: items.length, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 };
  for (const item of items) {
    if (item.decision !== null) counts.decided++;
    if (item.decision === 'keep') counts.keep++;
    if (item.decision === 'remove') counts.remove++;
    if (item.flagged) counts.flagged++;
    if (item.apply.state === 'applied' || item.apply.state === 'verified') counts.applied++;
    if (item.apply.state === 'verified') counts.verified++;
    if (item.apply.state === 'refused') counts.refused++;
  }
  return counts;
}
