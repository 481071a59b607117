import { z } from 'zod';
import { Id, IsoTime } from './common.js';

/**
 * The exports the console makes from its replica (core/engine/exports.ts says who may make each).
 * The configuration file is exported by the server (GET /api/v1/config/export), which records it
 * itself as export.made with kind `config_file`: no client sends that record.
 */
export const ExportKind = z.enum(['evidence_pack', 'requests_csv', 'review_evidence_csv']);
export type ExportKind = z.infer<typeof ExportKind>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lowercase hex');

/**
 * One export, as the console records it when it is made (offline too: the command waits in the
 * outbox and the server records it on sync, with the time it was made). What was exported, how many
 * rows, the SHA-256 of the file as saved, and for an evidence pack the hash of its manifest.
 */
export const ExportRecord = z.strictObject({
  kind: ExportKind,
  fileName: z.string().trim().min(1, 'name the file').max(256),
  /** When the file was made on the device (the event's own time is when the server recorded it). */
  madeAt: IsoTime,
  /** Data rows exported (an evidence pack: its events, grants and requests together). */
  rows: z.number().int().min(0).max(100_000_000),
  sha256: Sha256,
  /** Evidence pack: the SHA-256 of its manifest (which lists every file's hash). */
  manifestSha256: Sha256.optional(),
  /** Evidence pack: the period it covers, [from, to). */
  period: z.strictObject({ from: IsoTime, to: IsoTime, label: z.string().max(128).default('') }).optional(),
  /** Requests CSV: the filter in force, in words (status, search); empty: every row the replica holds. */
  filter: z.string().max(1024).default(''),
  /** Review evidence CSV: the campaign and run exported. */
  campaignId: Id.optional(),
  run: z.number().int().min(1).optional(),
});
export type ExportRecord = z.infer<typeof ExportRecord>;
