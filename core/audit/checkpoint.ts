import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { IsoTime } from '../schema/common.js';
import { verifyChain, type ChainAnchor, type ChainVerification } from './chain.js';
import type { AuditEvent } from './events.js';

/**
 * Signed checkpoints of the audit chain (docs/decisions/signed-checkpoints.md): the server signs the
 * chain head (sequence, hash, time, key id) with an Ed25519 key kept outside the database. Anyone
 * holding the public key can check offline that the events up to a checkpoint are the ones signed.
 *
 * Core stays pure: it builds the signed message and checks the chain against the checkpoints, and
 * the caller supplies the signature check (Node's crypto on the server, WebCrypto in the console).
 */
export const CHECKPOINT_FORMAT = 'jit-audit-checkpoint v1';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const AuditCheckpoint = z.strictObject({
  /** The chain position signed: the event with this seq is the head the signature covers. */
  seq: z.number().int().min(1),
  /** That event's hash. */
  hash: Hex64,
  /** When the server signed it. */
  at: IsoTime,
  /** keyIdOf(the signing public key). */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  /** Ed25519 signature of checkpointMessage(...), hex (64 bytes). */
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;
export type UnsignedCheckpoint = Omit<AuditCheckpoint, 'signature'>;

/** The exact bytes signed: one line per field after a format line, UTF-8, so any language can rebuild them. */
export function checkpointMessage(cp: UnsignedCheckpoint): Uint8Array {
  return utf8ToBytes(`${CHECKPOINT_FORMAT}\nseq ${cp.seq}\nhash ${cp.hash}\nat ${cp.at}\nkey ${cp.keyId}\n`);
}

/** A public key's id: the first 8 bytes of SHA-256 over its 32 raw bytes, hex. */
export function keyIdOf(rawPublicKey: Uint8Array): string {
  return bytesToHex(sha256(rawPublicKey)).slice(0, 16);
}

/** Verifies an Ed25519 signature over a message with one public key (sync on Node, async in WebCrypto). */
export type CheckpointSignatureCheck = (message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>;
export type CheckpointKey = { keyId: string; verify: CheckpointSignatureCheck };

export type AuditLogProblemKind =
  /** An event edited, removed or reordered without re-hashing (the chain itself breaks). */
  | 'chain'
  /** The chain holds another hash at a signed seq: history before it was rewritten and re-hashed. */
  | 'checkpoint_mismatch'
  /** The head is behind a signed checkpoint: the last events were removed. */
  | 'truncated'
  /** A checkpoint known from elsewhere (the key's side file, a replica) is not among the stored ones. */
  | 'checkpoint_missing'
  | 'bad_signature'
  | 'unknown_key'
  /** Stored checkpoints not in increasing seq order, or two different ones for one seq. */
  | 'checkpoint_order';

export type AuditLogProblem = { kind: AuditLogProblemKind; seq: number; eventId?: string; message: string };

export type AuditLogVerification = {
  ok: boolean;
  events: number;
  headSeq: number;
  headHash: string;
  chain: ChainVerification;
  /** Stored checkpoints checked. */
  checkpoints: number;
  /** The latest checkpoint that verifies and that the chain matches: the log is as signed up to its seq. */
  signedUpTo: AuditCheckpoint | null;
  /** Events after signedUpTo, protected by the chain alone until the next checkpoint. */
  unsignedTail: number;
  problems: AuditLogProblem[];
};

const same = (a: AuditCheckpoint, b: AuditCheckpoint) => a.seq === b.seq && a.hash === b.hash && a.at === b.at && a.keyId === b.keyId && a.signature === b.signature;

/**
 * Checks the chain and every checkpoint in one pass over the events: each signature against the
 * keys, each signed hash against the chain at its seq, and the head against the last signed seq.
 * `known` are checkpoints held outside the store (the server's side file, a replica's copy): each
 * must also be among `checkpoints`, and is checked like them.
 */
export async function verifyAuditLog(
  events: Iterable<AuditEvent>,
  checkpoints: readonly AuditCheckpoint[],
  options: { keys: readonly CheckpointKey[]; known?: readonly AuditCheckpoint[]; anchor?: ChainAnchor },
): Promise<AuditLogVerification> {
  const problems: AuditLogProblem[] = [];
  const bySeq = new Map<number, AuditCheckpoint>();
  let previousSeq = 0;
  for (const cp of checkpoints) {
    if (cp.seq <= previousSeq) problems.push({ kind: 'checkpoint_order', seq: cp.seq, message: `checkpoint at seq ${cp.seq} follows one at seq ${previousSeq}: checkpoints were reordered or duplicated` });
    previousSeq = Math.max(previousSeq, cp.seq);
    bySeq.set(cp.seq, cp);
  }
  for (const cp of options.known ?? []) {
    const stored = bySeq.get(cp.seq);
    if (!stored || !same(stored, cp)) {
      problems.push({ kind: 'checkpoint_missing', seq: cp.seq, message: `the checkpoint signed at ${cp.at} for seq ${cp.seq} is ${stored ? 'replaced by another one' : 'missing'} in the store: checkpoints were removed` });
    }
  }
  // Every signature first: a checkpoint that does not verify proves nothing about the chain.
  const trusted = new Map<number, AuditCheckpoint>();
  const all = [...checkpoints, ...(options.known ?? []).filter((cp) => !bySeq.has(cp.seq))];
  for (const cp of all) {
    const key = options.keys.find((k) => k.keyId === cp.keyId);
    if (!key) {
      problems.push({ kind: 'unknown_key', seq: cp.seq, message: `checkpoint at seq ${cp.seq} is signed with key ${cp.keyId}, which is not the audit key` });
      continue;
    }
    if (!(await key.verify(checkpointMessage(cp), hexToBytes(cp.signature)))) {
      problems.push({ kind: 'bad_signature', seq: cp.seq, message: `checkpoint at seq ${cp.seq} (${cp.at}) has a signature that does not verify with key ${cp.keyId}: it was forged or altered` });
      continue;
    }
    const other = trusted.get(cp.seq);
    if (other && other.hash !== cp.hash) problems.push({ kind: 'checkpoint_order', seq: cp.seq, message: `two signed checkpoints for seq ${cp.seq} name different hashes` });
    trusted.set(cp.seq, cp);
  }

  let matchedUpTo: AuditCheckpoint | null = null;
  let headSeq = 0;
  function* compared(): Generator<AuditEvent> {
    for (const event of events) {
      const cp = trusted.get(event.seq);
      if (cp) {
        if (cp.hash !== event.hash) {
          problems.push({ kind: 'checkpoint_mismatch', seq: event.seq, eventId: event.id, message: `audit event ${event.id} (seq ${event.seq}) does not have the hash signed at ${cp.at}: the log up to it was rewritten` });
        } else if (!problems.some((p) => p.kind === 'checkpoint_mismatch')) {
          matchedUpTo = cp;
        }
      }
      headSeq = event.seq;
      yield event;
    }
  }
  // An archived prefix ends at a signed checkpoint: the anchor must carry the hash signed there.
  const atAnchor = options.anchor ? trusted.get(options.anchor.seq) : undefined;
  if (options.anchor && atAnchor && atAnchor.hash !== options.anchor.hash) {
    problems.push({ kind: 'checkpoint_mismatch', seq: options.anchor.seq, message: `the archive anchor names hash ${options.anchor.hash.slice(0, 12)}… for seq ${options.anchor.seq}, but ${atAnchor.hash.slice(0, 12)}… was signed there at ${atAnchor.at}` });
  }
  if (atAnchor && atAnchor.hash === options.anchor?.hash) matchedUpTo = atAnchor;
  const chain = verifyChain(compared(), options.anchor);
  let signedUpTo: AuditCheckpoint | null = matchedUpTo;
  if (!chain.ok) {
    const p = chain.firstProblem;
    problems.unshift({ kind: 'chain', seq: p.seq, eventId: p.eventId, message: chain.message });
    // A checkpoint past the first broken event vouches for nothing before it.
    if (signedUpTo && (signedUpTo as AuditCheckpoint).seq >= p.seq) signedUpTo = null;
  }
  const lastTrusted = [...trusted.values()].reduce<AuditCheckpoint | null>((max, cp) => (!max || cp.seq > max.seq ? cp : max), null);
  if (chain.ok && lastTrusted && headSeq < lastTrusted.seq) {
    problems.push({ kind: 'truncated', seq: lastTrusted.seq, message: `the log ends at seq ${headSeq}, but seq ${lastTrusted.seq} was signed at ${lastTrusted.at}: ${lastTrusted.seq - headSeq} event(s) were removed from its end` });
  }
  const signedSeq = signedUpTo ? (signedUpTo as AuditCheckpoint).seq : 0;
  return {
    ok: problems.length === 0,
    events: chain.events,
    headSeq: chain.ok ? headSeq : chain.firstProblem.seq - 1,
    headHash: chain.headHash,
    chain,
    checkpoints: checkpoints.length,
    signedUpTo,
    unsignedTail: Math.max(0, headSeq - signedSeq),
    problems,
  };
}
