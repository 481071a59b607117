/**
 * The server-signed checkpoints this console has seen (GET /api/v1/audit/checkpoints after the last
 * one it holds, while online) and the key that signs them (GET /api/v1/audit/public-key), kept beside
 * the account's replica so an evidence pack made offline can carry the latest one covering its
 * period. The pack only offers a checkpoint whose hash the replica's own chain holds at that sequence
 * (evidence-pack.ts checkpointFor).
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { requestJson } from '../../session/api-client.js';
import { readCached, writeCached } from '../../session/offline-cache.js';
import { accountPrefix } from '../../session/replica.js';
import { useSession } from '../../session/session.js';
import type { PackCheckpoint, PackPublicKey } from '../../../core/evidence/manifest.js';

export type SeenCheckpoints = { checkpoints: PackCheckpoint[]; publicKey: PackPublicKey | null };

const CACHE = 'audit-checkpoints';
/** About 200 characters each: well inside what the offline cache keeps per entry. */
const KEEP = 5000;
const PAGES_PER_READ = 5;

/** Adds checkpoints to those seen: one per sequence, in sequence order, the latest KEEP. */
export function mergeCheckpoints(seen: SeenCheckpoints, fresh: readonly PackCheckpoint[], publicKey: PackPublicKey | null): SeenCheckpoints {
  const bySeq = new Map(seen.checkpoints.map((c) => [c.seq, c]));
  for (const cp of fresh) if (!bySeq.has(cp.seq)) bySeq.set(cp.seq, cp);
  return { checkpoints: [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-KEEP), publicKey: publicKey ?? seen.publicKey };
}

export function useSeenCheckpoints(): SeenCheckpoints {
  const { serverUrl, token, user } = useSession();
  const prefix = accountPrefix(serverUrl, user.id);
  const [seen, setSeen] = useState<SeenCheckpoints>(() => readCached<SeenCheckpoints>(prefix, CACHE)?.value ?? { checkpoints: [], publicKey: null });
  const after = seen.checkpoints.at(-1)?.seq ?? 0;
  const read = useQuery({
    queryKey: ['audit-checkpoints', serverUrl, after],
    queryFn: async () => {
      const key = (await requestJson(serverUrl, '/api/v1/audit/public-key', { token })).body as PackPublicKey;
      const fresh: PackCheckpoint[] = [];
      let from = after;
      for (let page = 0; page < PAGES_PER_READ; page++) {
        const { checkpoints } = (await requestJson(serverUrl, `/api/v1/audit/checkpoints?after=${from}&limit=1000`, { token })).body as { checkpoints: PackCheckpoint[] };
        if (checkpoints.length === 0) break;
        fresh.push(...checkpoints);
        from = checkpoints.at(-1)!.seq;
      }
      return { fresh, publicKey: { keyId: key.keyId, publicKey: key.publicKey } };
    },
    retry: false,
    refetchInterval: 60_000,
  });
  useEffect(() => {
    if (!read.data) return;
    const { fresh, publicKey } = read.data;
    setSeen((before) => {
      const next = mergeCheckpoints(before, fresh, publicKey);
      writeCached(prefix, CACHE, next);
      return next;
    });
  }, [read.data, prefix]);
  return seen;
}
