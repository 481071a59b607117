/**
 * "Load older history": a console whose roles do not replicate the whole log holds what it may see
 * of the recent blocks and the open tail; older sealed blocks are fetched here, newest first, each
 * checked against the chain before its events go into the explorer's index (checkOlderBlock): its
 * hash must be the previous-block hash of the history after it. The first is linked to what this
 * device holds: the event right after the horizon, when the replica has it, must name the page's
 * anchor as its previous hash. Older events are kept in the index for as long as the replica is
 * open, not written to the replica (docs/decisions/older-audit-history.md).
 */
import { checkOlderBlock, OlderBlocksPage } from '../../../../core/audit/older-blocks.js';
import { PROTOCOL_VERSION, type AuditEvent } from '../../../../core/index.js';
import { requestJson } from '../../../session/api-client.js';

export const BLOCKS_PER_PAGE = 5;

export type FetchOlderPage = (through: number | null, limit: number) => Promise<OlderBlocksPage>;

export function olderPageFetcher(serverUrl: string, token: string): FetchOlderPage {
  return async (through, limit) => {
    const query = `?limit=${limit}${through === null ? '' : `&through=${through}`}`;
    const { body } = await requestJson(serverUrl, `/sync/v${PROTOCOL_VERSION}/audit/blocks${query}`, { token });
    return OlderBlocksPage.parse(body);
  };
}

export type OlderProgress = { blocks: number; of: number; events: number };

/**
 * Fetches every older block, checks each, and hands its events to `append`. Throws, in words, at
 * the first block that cannot be used (what was checked before it stays indexed).
 */
export async function loadOlderHistory(opts: {
  fetchPage: FetchOlderPage;
  /** The event this device holds at a seq, if any. */
  held(seq: number): Promise<AuditEvent | null>;
  append(events: AuditEvent[]): void;
  onProgress(progress: OlderProgress): void;
  signal?: AbortSignal;
}): Promise<OlderProgress> {
  let page = await opts.fetchPage(null, BLOCKS_PER_PAGE);
  const after = await opts.held(page.anchor.seq + 1);
  if (after && after.prevHash !== page.anchor.hash) throw new Error(`the server's history before event ${after.seq} does not link to the event this device holds: the log was altered`);
  const progress: OlderProgress = { blocks: 0, of: page.blocks.length + page.remaining, events: 0 };
  let anchor = page.anchor;
  opts.onProgress({ ...progress });
  for (;;) {
    for (const block of page.blocks) {
      opts.signal?.throwIfAborted();
      const check = checkOlderBlock(block, anchor);
      if (!check.ok) throw new Error(check.message);
      opts.append(block.events);
      anchor = check.anchor;
      progress.blocks++;
      progress.events += block.events.length;
      opts.onProgress({ ...progress });
    }
    const oldest = page.blocks.at(-1);
    if (page.remaining === 0 || !oldest) return progress;
    opts.signal?.throwIfAborted();
    page = await opts.fetchPage(oldest.firstSeq - 1, BLOCKS_PER_PAGE);
    if (page.anchor.seq !== anchor.seq || page.anchor.hash !== anchor.hash) throw new Error(`the server's hash at event ${page.anchor.seq} is not the previous-block hash of block ${oldest.id}: the log was altered`);
  }
}
