/**
 * "Complete and unaltered up to event N; the server signed it up to event M at T": this device's
 * copy of the audit log re-hashed from its first event (core/audit/blocks.ts verifyBlocks), then the
 * latest signed checkpoint the console has seen that the copy holds, its signature checked with the
 * server's key. Offline: it reads only the replica and the checkpoints kept beside it.
 */
import { cutIntoBlocks, verifyBlocks } from '../../../core/audit/blocks.js';
import type { AuditEvent } from '../../../core/index.js';
import { formatAbsolute } from '../../lib/time.js';
import { checkPackSignature } from '../evidence/checkpoint-signature.js';
import type { SeenCheckpoints } from '../evidence/signed-checkpoints.js';

export type LocalChainVerdict = { tone: 'success' | 'warning' | 'danger'; text: string };

/** The held events once each, in seq order: a block and its events held singly on a reconnect are the same events. */
function ordered(events: readonly AuditEvent[]): AuditEvent[] {
  const bySeq = new Map<number, AuditEvent>();
  for (const event of events) if (!bySeq.has(event.seq)) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export async function checkLocalChain(events: readonly AuditEvent[], seen: SeenCheckpoints, subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Promise<LocalChainVerdict> {
  const held = ordered(events);
  const first = held[0];
  if (!first) return { tone: 'warning', text: 'This device holds no audit events yet: there is nothing to check.' };
  if (first.seq !== 1) {
    return { tone: 'warning', text: `This device's copy starts at event ${first.seq.toLocaleString()}: the events before it are not held here (archived on the server), so it cannot be re-hashed from the start on this device. Run npm run audit:verify with the archive.` };
  }
  const chain = verifyBlocks(cutIntoBlocks(held, ''));
  const upTo = chain.verifiedUpTo.seq;
  if (!chain.ok) {
    return { tone: 'danger', text: `This device's copy is complete and unaltered only up to event ${upTo.toLocaleString()}: ${chain.problem?.message ?? 'the chain breaks after it'}.` };
  }
  const hashAt = new Map(held.map((e) => [e.seq, e.hash]));
  // A checkpoint the server signed whose event this copy holds with another hash: one of the two histories was rewritten.
  const differs = seen.checkpoints.find((cp) => hashAt.has(cp.seq) && hashAt.get(cp.seq) !== cp.hash);
  if (differs) {
    return { tone: 'danger', text: `Event ${differs.seq.toLocaleString()} on this device is not the event the server signed at ${formatAbsolute(differs.at)}: the history was rewritten.` };
  }
  const checked = `Complete and unaltered up to event ${upTo.toLocaleString()} (${chain.events.toLocaleString()} events re-hashed on this device)`;
  const signed = [...seen.checkpoints].reverse().find((cp) => cp.seq <= upTo && hashAt.get(cp.seq) === cp.hash);
  if (!signed) return { tone: 'warning', text: `${checked}; no signed checkpoint covering it has reached this device yet, so nothing ties it to the server's key.` };
  const verdict = await checkPackSignature({ firstSeq: null, lastSeq: null, lastHash: null, headSeq: null, headHash: null, checkpoint: signed, publicKey: seen.publicKey, note: '' }, subtle);
  if (verdict.state === 'valid') {
    return { tone: 'success', text: `${checked}; signed by the server up to event ${signed.seq.toLocaleString()} at ${formatAbsolute(signed.at)} (key ${signed.keyId}).` };
  }
  return { tone: verdict.state === 'invalid' ? 'danger' : 'warning', text: `${checked}; ${verdict.text}` };
}
