import { z } from 'zod';
import { IsoTime } from '../schema/common.js';
import { GENESIS_HASH, hashEvent } from './chain.js';
import type { AuditCheckpoint } from './checkpoint.js';
import { AuditEvent } from './events.js';

/**
 * Sealed blocks of the audit log (docs/decisions/sealed-audit-blocks.md): a run of consecutive
 * events replicated as one document, so a replica holding a million events holds about a thousand
 * documents. A block's hash is the chain's hash at its last event and its previous hash the chain's
 * hash before its first, so blocks link as events do and a signed checkpoint at a block's end names
 * the block's own hash.
 */
export const AUDIT_BLOCK_SIZE = 1000;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const AuditBlock = z.object({
  /** `ab-<firstSeq>`: blocks never overlap, so the first position names one. */
  id: z.string().regex(/^ab-[1-9][0-9]*$/),
  firstSeq: z.number().int().min(1),
  lastSeq: z.number().int().min(1),
  /** The chain's hash before firstSeq: the previous block's hash (the genesis hash for the first). */
  prevHash: Hex64,
  /** The chain's hash at lastSeq. */
  hash: Hex64,
  sealedAt: IsoTime,
  events: z.array(AuditEvent).min(1),
});
export type AuditBlock = z.infer<typeof AuditBlock>;

/**
 * A document of the replicated `audit` collection: one event, or a sealed block whose top-level
 * fields are its last event's (so `seq` orders blocks and events together and `hash` is the block's
 * hash) with its id `ab-<firstSeq>` and the events in `block`. Read them through the console's one
 * reader (renderer/db/audit-reader.ts), never field by field.
 */
export const AuditReplicaDoc = AuditEvent.extend({ block: AuditBlock.optional() });
export type AuditReplicaDoc = z.infer<typeof AuditReplicaDoc>;

export const blockId = (firstSeq: number) => `ab-${firstSeq}`;

/** One block of consecutive events, as they are: sealing checks nothing, verifyBlocks does. */
export function sealBlock(events: readonly AuditEvent[], sealedAt: string): AuditBlock {
  const first = events[0];
  const last = events[events.length - 1];
  if (!first || !last) throw new Error('a block holds at least one event');
  return { id: blockId(first.seq), firstSeq: first.seq, lastSeq: last.seq, prevHash: first.prevHash, hash: last.hash, sealedAt, events: [...events] };
}

/** Events cut into blocks of `size` starting after `afterSeq` (block boundaries are multiples of size). */
export function cutIntoBlocks(events: readonly AuditEvent[], sealedAt: string, size = AUDIT_BLOCK_SIZE): AuditBlock[] {
  const blocks: AuditBlock[] = [];
  let run: AuditEvent[] = [];
  for (const event of events) {
    run.push(event);
    if (event.seq % size === 0) {
      blocks.push(sealBlock(run, sealedAt));
      run = [];
    }
  }
  if (run.length > 0) blocks.push(sealBlock(run, sealedAt));
  return blocks;
}

export type BlockProblem = { blockId: string; seq: number; kind: 'gap' | 'broken_link' | 'hash_mismatch' | 'header'; message: string };

export type BlockChainVerification = {
  ok: boolean;
  /** The last event of the unbroken, re-hashed run from the genesis: complete and unaltered up to it. */
  verifiedUpTo: { seq: number; hash: string };
  blocks: number;
  events: number;
  problem: BlockProblem | null;
};

/**
 * Re-hashes every event of every block, in order, from the genesis: each event's hash, each link,
 * no gap, and each block's header (first and last seq, prevHash, hash) as its events say. Stops at
 * the first problem; `verifiedUpTo` is how far the log is complete and unaltered.
 */
export function verifyBlocks(blocks: Iterable<AuditBlock>): BlockChainVerification {
  let prevHash = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  let events = 0;
  const result = (problem: BlockProblem | null): BlockChainVerification => ({ ok: problem === null, verifiedUpTo: { seq: expected - 1, hash: prevHash }, blocks: count, events, problem });
  for (const block of blocks) {
    count++;
    const fail = (seq: number, kind: BlockProblem['kind'], message: string) => result({ blockId: block.id, seq, kind, message });
    const lastEvent = block.events[block.events.length - 1];
    if (block.firstSeq !== expected) return fail(expected, 'gap', `block ${block.id} starts at event ${block.firstSeq}, but event ${expected} was expected: events are missing`);
    if (block.prevHash !== prevHash) return fail(block.firstSeq, 'broken_link', `block ${block.id} does not link to the block before it: the log was altered`);
    if (!lastEvent || lastEvent.seq !== block.lastSeq || block.events.length !== block.lastSeq - block.firstSeq + 1) {
      return fail(block.firstSeq, 'header', `block ${block.id} says it holds events ${block.firstSeq} to ${block.lastSeq}, but holds ${block.events.length} event(s)`);
    }
    for (const event of block.events) {
      if (event.seq !== expected) return fail(expected, 'gap', `block ${block.id}: event ${expected} is missing (found ${event.seq})`);
      if (event.prevHash !== prevHash) return fail(event.seq, 'broken_link', `event ${event.seq} in block ${block.id} does not link to the event before it: the log was altered`);
      if (hashEvent(event) !== event.hash) return fail(event.seq, 'hash_mismatch', `event ${event.seq} in block ${block.id} was edited: its content no longer matches its hash`);
      prevHash = event.hash;
      expected++;
      events++;
    }
    if (block.hash !== prevHash) return fail(block.lastSeq, 'header', `block ${block.id}'s hash is not the hash of its last event`);
  }
  return result(null);
}

export type WitnessProblem = { seq: number; kind: 'rewritten' | 'removed' | 'checkpoint_replaced'; message: string; witnessedAt: string };

/**
 * Replicas are witnesses: the checkpoints a console has seen must still hold in what the server
 * now presents. For each witnessed checkpoint, the event at its seq must carry its hash (else the
 * history before it was rewritten) and exist (else it was removed), and the server's own list, when
 * given, must hold the same checkpoint (else its checkpoints were replaced). `hashAt` reads the
 * presented history (null: no event at that seq).
 */
export function checkWitnessed(witnessed: readonly AuditCheckpoint[], hashAt: (seq: number) => string | null, serverCheckpoints?: readonly AuditCheckpoint[]): WitnessProblem[] {
  const problems: WitnessProblem[] = [];
  const served = serverCheckpoints ? new Map(serverCheckpoints.map((cp) => [cp.seq, cp])) : null;
  for (const cp of witnessed) {
    const hash = hashAt(cp.seq);
    if (hash === null) {
      problems.push({ seq: cp.seq, kind: 'removed', witnessedAt: cp.at, message: `event ${cp.seq}, signed at ${cp.at} and seen by this console, is no longer in the server's log: events were removed` });
    } else if (hash !== cp.hash) {
      problems.push({ seq: cp.seq, kind: 'rewritten', witnessedAt: cp.at, message: `the server's log no longer has the hash signed at ${cp.at} for event ${cp.seq}, which this console saw: the history up to it was rewritten` });
    }
    const other = served?.get(cp.seq);
    if (served && other && (other.hash !== cp.hash || other.signature !== cp.signature)) {
      problems.push({ seq: cp.seq, kind: 'checkpoint_replaced', witnessedAt: cp.at, message: `the server now shows another checkpoint for event ${cp.seq} than the one signed at ${cp.at} that this console saw` });
    }
  }
  return problems;
}
