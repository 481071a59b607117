/**
 * Replicas are witnesses (docs/decisions/sealed-audit-blocks.md): the checkpoints this console has
 * seen (kept beside its replica, evidence/signed-checkpoints.ts, never replaced once held) must
 * still hold in the history the server presents now. For each of the latest ones seen, the server's
 * event at that seq (read through the sync pull, as a replica would receive it) must carry the signed
 * hash, and the server's checkpoint at that seq must be the same one. A mismatch is a tamper alarm;
 * the console keeps its own copy (what it pulled is never pulled again over it).
 *
 * No React here: the banner (WitnessBanner.tsx) runs it, and so do the integration tests in Node.
 */
import { checkWitnessed, syncPath, type AuditCheckpoint, type WitnessProblem } from '../../../core/index.js';
import { eventsOfDoc } from '../../db/audit-reader.js';

/** GET a path of the server as the signed-in person; the parsed JSON body. */
export type GetJson = (path: string) => Promise<unknown>;

/** How many of the latest witnessed checkpoints are checked each time: two small reads each. */
export const WITNESS_CHECKS = 20;

export type WitnessVerdict = { checked: number; problems: WitnessProblem[]; at: string };

export async function witnessServerHistory(get: GetJson, witnessed: readonly AuditCheckpoint[], now: () => Date = () => new Date()): Promise<WitnessVerdict> {
  const latest = [...witnessed].sort((a, b) => a.seq - b.seq).slice(-WITNESS_CHECKS);
  const hashes = new Map<number, string | null>();
  const served: AuditCheckpoint[] = [];
  for (const cp of latest) {
    const page = (await get(`${syncPath('audit', 'pull')}?seq=${cp.seq - 1}&id=&batchSize=1`)) as { documents: Parameters<typeof eventsOfDoc>[0][] };
    const event = page.documents.flatMap(eventsOfDoc).find((e) => e.seq === cp.seq);
    hashes.set(cp.seq, event?.hash ?? null);
    const listed = (await get(`/api/v1/audit/checkpoints?after=${cp.seq - 1}&limit=1`)) as { checkpoints: AuditCheckpoint[] };
    const same = listed.checkpoints.find((c) => c.seq === cp.seq);
    if (same) served.push(same);
    else served.push({ ...cp, hash: '', signature: '' });
  }
  const problems = checkWitnessed(latest, (seq) => hashes.get(seq) ?? null, served);
  // A checkpoint the server no longer lists (deleted with the rewrite) reads as replaced: say so in its own words.
  for (const p of problems) {
    if (p.kind === 'checkpoint_replaced' && served.find((c) => c.seq === p.seq)?.signature === '') {
      p.message = `the server no longer lists the checkpoint for event ${p.seq} signed at ${p.witnessedAt}, which this console saw: checkpoints were removed`;
    }
  }
  return { checked: latest.length, problems, at: now().toISOString() };
}

/** The alarm in words, for the banner: what was found, and that this console keeps its own copy. */
export function tamperAlarmWords(verdict: WitnessVerdict): string | null {
  const first = verdict.problems[0];
  if (!first) return null;
  const more = verdict.problems.length > 1 ? ` (and ${verdict.problems.length - 1} more finding${verdict.problems.length > 2 ? 's' : ''})` : '';
  return `Tamper alarm: the server's audit log does not extend what this console witnessed. ${first.message}${more}. This console keeps its own copy of the events it received; compare it with the server's before trusting either.`;
}
