import { z } from 'zod';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { IsoTime } from '../schema/common.js';
import type { LoggedAccount, LogState } from './reconcile.js';

/**
 * Retention (docs/decisions/audit-siem-and-retention.md): the oldest events move to an archive file
 * that ends at a signed checkpoint; the log that stays starts after it. The seal, signed with the
 * audit key, names the archived run (first seq and the hash before it, last seq and its hash) and
 * the SHA-256 of the file's lines before the seal; the server keeps it as the log's anchor.
 */
export const ARCHIVE_FORMAT = 'jit-audit-archive v1';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const ArchiveSeal = z.strictObject({
  firstSeq: z.number().int().min(1),
  /** The hash before firstSeq: the genesis hash, or the previous archive's throughHash. */
  prevHash: Hex64,
  throughSeq: z.number().int().min(1),
  throughHash: Hex64,
  /** SHA-256 of the archive file's bytes before the seal line. */
  contentSha256: Hex64,
  at: IsoTime,
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});
export type ArchiveSeal = z.infer<typeof ArchiveSeal>;

/** The exact bytes the seal's signature covers. */
export function archiveSealMessage(seal: Omit<ArchiveSeal, 'signature'>): Uint8Array {
  return utf8ToBytes(
    `${ARCHIVE_FORMAT}\nfirst ${seal.firstSeq}\nprev ${seal.prevHash}\nthrough ${seal.throughSeq}\nhash ${seal.throughHash}\ncontent ${seal.contentSha256}\nat ${seal.at}\nkey ${seal.keyId}\n`,
  );
}

/** The reconciliation state as the `audit.archived` event carries it, so what stays still reconciles. */
export type LogStateSnapshot = { accounts: Record<string, LoggedAccount>; provisioned: string[] };

export function snapshotLogState(state: LogState): LogStateSnapshot {
  return { accounts: Object.fromEntries(state.accounts), provisioned: [...state.provisioned] };
}

export function restoreLogState(state: LogState, snapshot: unknown): void {
  const s = snapshot as Partial<LogStateSnapshot> | null;
  if (!s || typeof s !== 'object' || typeof s.accounts !== 'object' || !Array.isArray(s.provisioned)) return;
  state.accounts = new Map(Object.entries(s.accounts as Record<string, LoggedAccount>).map(([id, a]) => [id, { ...a }]));
  state.provisioned = new Set(s.provisioned.map(String));
}
