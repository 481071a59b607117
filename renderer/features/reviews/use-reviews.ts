/**
 * The access reviews the replica holds (the `reviews` collection: campaigns and review items, told
 * apart by `kind`), and this person's review decisions the server has not answered yet or refused.
 * A replica opens only what its roles replicate: without the collection, there is nothing to show.
 */
import { useMemo } from 'react';
import { map, of, type Observable } from 'rxjs';
import type { Command, CommandResult } from '../../../core/index.js';
import type { ReviewCampaign, ReviewDoc, ReviewItem } from '../../../core/schema/review.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { withLoadState, type PartialDocs } from '../../session/load-state.js';
import { useSession } from '../../session/session.js';
import type { SentDecision } from './inbox-model.js';

type LiveCollection = { find(query?: { selector: Record<string, unknown> }): Parameters<typeof withLoadState>[0] & { $: Observable<ReadonlyArray<{ toJSON(): unknown }>> } };

export type ReviewData = {
  /** The replica has the collection at all (the roles replicate reviews). */
  available: boolean;
  /** The local query has not answered, or the collection is still loading from scratch. */
  loading: boolean;
  campaigns: readonly ReviewCampaign[];
  campaignsById: ReadonlyMap<string, ReviewCampaign>;
  items: readonly ReviewItem[];
};

export function useReviewData(): ReviewData {
  const { db, replication } = useSession();
  const collection = (db.collections as Record<string, unknown>).reviews as LiveCollection | undefined;
  const live = useObservable<PartialDocs<ReviewDoc>>(
    () => (collection ? withLoadState<ReviewDoc>(collection.find(), 'reviews' as never, replication.loading$) : of({ docs: [], partial: false })),
    { docs: [], partial: true },
    [db, replication],
  );
  return useMemo(() => {
    const campaigns: ReviewCampaign[] = [];
    const items: ReviewItem[] = [];
    for (const doc of live.data.docs) {
      if (doc.kind === 'campaign') campaigns.push(doc);
      else items.push(doc);
    }
    return { available: Boolean(collection), loading: live.loading || live.data.partial, campaigns, campaignsById: new Map(campaigns.map((c) => [c.id, c])), items };
  }, [collection, live]);
}

/** The decisions of review.decide commands, by item. */
function decisionsOf(command: Pick<Command, 'payload'>): Array<{ itemId: string; decision: 'keep' | 'remove'; reason: string }> {
  const decisions = (command.payload as { decisions?: unknown }).decisions;
  return Array.isArray(decisions) ? (decisions as Array<{ itemId: string; decision: 'keep' | 'remove'; reason?: string }>).map((d) => ({ itemId: d.itemId, decision: d.decision, reason: d.reason ?? '' })) : [];
}

export type RefusedDecision = { commandId: string; decision: 'keep' | 'remove'; code: string; message: string; at: string };

/**
 * This person's review decisions by item: sent (kept on the device or not answered yet) and
 * refused (the latest refusal, with the server's reason). Applied ones are on the items themselves.
 */
export function useSentDecisions(): { sent: ReadonlyMap<string, SentDecision>; refused: ReadonlyMap<string, RefusedDecision> } {
  const { db, user } = useSession();
  const { commands } = useConsoleData();
  const results = useObservable<CommandResult[]>(
    () => db.commandResults.find({ selector: { actorId: user.id, type: 'review.decide' } }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as CommandResult))),
    [],
    [db, user.id],
  );
  return useMemo(() => {
    const answered = new Map(results.data.map((r) => [r.commandId, r]));
    const sent = new Map<string, SentDecision>();
    const refused = new Map<string, RefusedDecision>();
    const ordered = [...commands.values()].filter((c) => c.type === 'review.decide').sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
    for (const command of ordered) {
      const result = answered.get(command.id);
      for (const d of decisionsOf(command)) {
        if (!result) sent.set(d.itemId, { commandId: command.id, decision: d.decision, reason: d.reason, createdAt: command.createdAt });
        else if (result.status === 'rejected') refused.set(d.itemId, { commandId: command.id, decision: d.decision, code: result.code, message: result.message, at: result.appliedAt });
        else refused.delete(d.itemId);
      }
    }
    return { sent, refused };
  }, [commands, results.data]);
}
