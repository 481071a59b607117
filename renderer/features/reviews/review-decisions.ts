/**
 * Keep or remove, sent as review.decide commands written to the local replica: they wait on the
 * device while offline and are applied, or refused with the reason, when they reach the server.
 * One command holds one campaign's decisions (the server applies each command all or nothing), at
 * most 500 of them.
 */
import { useCallback } from 'react';
import type { ReviewDecision, ReviewItem } from '../../../core/schema/review.js';
import { sendCommand } from '../../db/index.js';
import { maySend } from '../../session/permissions.js';
import { useSession } from '../../session/session.js';

export const DECIDE_BATCH = 500;

export type DecisionInput = { item: Pick<ReviewItem, 'id' | 'campaignId'>; decision: ReviewDecision; reason: string };

/** Groups decisions by campaign and cuts them into batches the command accepts. */
export function decisionBatches(inputs: readonly DecisionInput[]): Array<{ campaignId: string; decisions: Array<{ itemId: string; decision: ReviewDecision; reason: string }> }> {
  const byCampaign = new Map<string, DecisionInput[]>();
  for (const input of inputs) {
    const list = byCampaign.get(input.item.campaignId) ?? [];
    list.push(input);
    byCampaign.set(input.item.campaignId, list);
  }
  const out: ReturnType<typeof decisionBatches> = [];
  for (const [campaignId, list] of byCampaign) {
    for (let i = 0; i < list.length; i += DECIDE_BATCH) {
      out.push({ campaignId, decisions: list.slice(i, i + DECIDE_BATCH).map((d) => ({ itemId: d.item.id, decision: d.decision, reason: d.reason })) });
    }
  }
  return out;
}

/** Sends the decisions; returns the command ids written (none when the roles send no decisions). */
export function useReviewDecisions(): { mayDecide: boolean; decide(inputs: readonly DecisionInput[]): Promise<string[]> } {
  const { db, user } = useSession();
  const mayDecide = maySend(user, 'review.decide');
  const decide = useCallback(
    async (inputs: readonly DecisionInput[]) => {
      if (!mayDecide || inputs.length === 0) return [];
      const ids: string[] = [];
      for (const batch of decisionBatches(inputs)) ids.push(await sendCommand(db, { type: 'review.decide', actorId: user.id, payload: batch }));
      return ids;
    },
    [db, user.id, mayDecide],
  );
  return { mayDecide, decide };
}
