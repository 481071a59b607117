/**
 * The server-signed checkpoints this console has seen (GET /api/v1/audit/status while online), kept
 * beside the account's replica so an evidence pack made offline can carry the latest one covering its
 * period, with the key that signed it. The pack only offers a checkpoint whose hash the replica's own
 * chain holds at that sequence (evidence-pack.ts checkpointFor).
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { requestJson } from '../../session/api-client.js';
import { readCached, writeCached } from '../../session/offline-cache.js';
import { accountPrefix } from '../../session/replica.js';
import { useSession } from '../../session/session.js';
import type { PackCheckpoint, PackPublicKey } from '../../../core/evidence/manifest.js';

type AuditStatus = { lastCheckpoint: PackCheckpoint | null; publicKey: { keyId: string; publicKey: string } };
export type SeenCheckpoints = { checkpoints: PackCheckpoint[]; publicKey: PackPublicKey | null };

const CACHE = 'audit-checkpoints';
const KEEP = 200;

/** Adds a checkpoint to those seen: one per sequence, in sequence order, the latest KEEP. */
export function rememberCheckpoint(seen: SeenCheckpoints, status: AuditStatus): SeenCheckpoints {
  const publicKey = { keyId: status.publicKey.keyId, publicKey: status.publicKey.publicKey };
  const cp = status.lastCheckpoint;
  const checkpoints = cp && !seen.checkpoints.some((c) => c.seq === cp.seq) ? [...seen.checkpoints, cp].sort((a, b) => a.seq - b.seq).slice(-KEEP) : seen.checkpoints;
  return { checkpoints, publicKey };
}

export function useSeenCheckpoints(): SeenCheckpoints {
  const { serverUrl, token, user } = useSession();
  const prefix = accountPrefix(serverUrl, user.id);
  const [seen, setSeen] = useState<SeenCheckpoints>(() => readCached<SeenCheckpoints>(prefix, CACHE)?.value ?? { checkpoints: [], publicKey: null });
  const status = useQuery({
    queryKey: ['audit-status', serverUrl],
    queryFn: async () => (await requestJson(serverUrl, '/api/v1/audit/status', { token })).body as AuditStatus,
    retry: false,
    refetchInterval: 60_000,
  });
  useEffect(() => {
    if (!status.data) return;
    setSeen((before) => {
      const next = rememberCheckpoint(before, status.data);
      writeCached(prefix, CACHE, next);
      return next;
    });
  }, [status.data, prefix]);
  return seen;
}
