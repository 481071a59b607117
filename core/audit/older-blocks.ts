/**
 * Older history on demand (docs/decisions/older-audit-history.md). A console whose roles do not
 * replicate the whole log holds the recent part of what it may see; older blocks are fetched when
 * someone asks, newest first, and each is checked against the chain before it is used: its hash
 * must be the previous-block hash of the history after it (the block after it, or the first block
 * the replica holds), and what it carries must agree with its header. A block of which the reader
 * may see every event is re-hashed whole; otherwise each event it may see is re-hashed, adjacent
 * ones must link, and the events at its ends must carry its header's hashes.
 */
import { z } from 'zod';
import { hashEvent } from './chain.js';
import { AUDIT_BLOCK_SIZE } from './blocks.js';
import { AuditEvent } from './events.js';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** A sealed block as one reader may see it: its header, the events they may see, and how many they may not. */
export const OlderBlock = z.object({
  id: z.string(),
  firstSeq: z.number().int().min(1),
  lastSeq: z.number().int().min(1),
  prevHash: Hex64,
  hash: Hex64,
  events: z.array(AuditEvent),
  /** Events of the block this reader may not see: not sent. */
  withheld: z.number().int().min(0),
});
export type OlderBlock = z.infer<typeof OlderBlock>;

export const OlderBlocksPage = z.object({
  /** The last event of the older history: the replica holds what it may see after it. 0: nothing is older. */
  horizon: z.number().int().min(0),
  /** The chain's hash at `through` (the previous-block hash of the block after the page). */
  anchor: z.object({ seq: z.number().int().min(0), hash: Hex64 }),
  /** Newest first, the first ending at `through`. */
  blocks: z.array(OlderBlock),
  /** Blocks older than the last one of this page. */
  remaining: z.number().int().min(0),
});
export type OlderBlocksPage = z.infer<typeof OlderBlocksPage>;

/** Blocks a console without the whole log keeps by default: the recent ones, plus the open tail. */
export const DEFAULT_RECENT_BLOCKS = 20;

/** A position in the chain: the event at `seq` and the chain's hash there (seq 0: the genesis). */
export type ChainPoint = { seq: number; hash: string };

export type OlderBlockCheck = { ok: true; anchor: ChainPoint } | { ok: false; message: string };

/**
 * Checks one fetched block against `anchor`, the point where the history after it begins: the
 * block must end at the anchor's seq, and its hash must be the chain's hash there (the previous-block
 * hash of the block after it). Answers the next anchor (the event before this block, with this
 * block's previous-block hash) or, in words, why the block cannot be used.
 */
export function checkOlderBlock(block: OlderBlock, anchor: ChainPoint): OlderBlockCheck {
  const fail = (message: string): OlderBlockCheck => ({ ok: false, message: `block ${block.id} (events ${block.firstSeq} to ${block.lastSeq}): ${message}` });
  const size = block.lastSeq - block.firstSeq + 1;
  if (size < 1 || size > AUDIT_BLOCK_SIZE) return fail(`a sealed block holds 1 to ${AUDIT_BLOCK_SIZE} consecutive events`);
  if (block.lastSeq !== anchor.seq) return fail(`the history after it begins at event ${anchor.seq + 1}, so the block before it must end at event ${anchor.seq}`);
  if (block.hash !== anchor.hash) return fail('its hash is not the previous-block hash of the history after it: the log was altered');
  if (block.events.length + block.withheld !== size) return fail(`it says ${block.withheld} event(s) are withheld but carries ${block.events.length} of ${size}`);
  let before: AuditEvent | null = null;
  for (const event of block.events) {
    if (event.seq < block.firstSeq || event.seq > block.lastSeq) return fail(`it carries event ${event.seq}, outside it`);
    if (before && event.seq <= before.seq) return fail(`its events are not in order at event ${event.seq}`);
    if (hashEvent(event) !== event.hash) return fail(`event ${event.seq} was edited: its content no longer matches its hash`);
    if (event.seq === block.firstSeq && event.prevHash !== block.prevHash) return fail(`event ${event.seq} does not link to the block before`);
    if (event.seq === block.lastSeq && event.hash !== block.hash) return fail(`event ${event.seq} is not the block's last hash`);
    if (before && before.seq === event.seq - 1 && event.prevHash !== before.hash) return fail(`event ${event.seq} does not link to event ${before.seq}`);
    before = event;
  }
  return { ok: true, anchor: { seq: block.firstSeq - 1, hash: block.prevHash } };
}
