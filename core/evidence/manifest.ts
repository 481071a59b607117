/**
 * An evidence pack's manifest.json: the SHA-256 of every other file of the pack, the period, when
 * and by whom it was generated, and the audit chain position (and signed checkpoint, when the
 * replica holds one) it covers. The same check runs in the console's verifier and in the Node CLI
 * (npm run evidence:verify): a modified, missing or extra file is reported by name.
 *
 * Pure, in core because the console and the CLI run the one check: bytes in, verdicts out.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { strFromU8, unzipSync } from 'fflate';
import { z } from 'zod';

export const MANIFEST_NAME = 'manifest.json';
export const PACK_FORMAT = 'jit-evidence-pack v1';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/** A plain relative path inside the pack: no folder climbing, no absolute path, no backslash. */
const PackPath = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && !p.split('/').some((part) => part === '..' || part === '.' || part === ''), 'must be a plain path inside the pack');

/** A server-signed checkpoint as the pack carries it (the shape of core/audit's signed checkpoints). */
export const PackCheckpoint = z.object({ seq: z.number().int().min(1), hash: Hex64, at: z.string(), keyId: z.string(), signature: z.string() });
export type PackCheckpoint = z.infer<typeof PackCheckpoint>;

/** The server's audit signing key (Ed25519, 32 raw bytes in base64) as the console last read it. */
export const PackPublicKey = z.object({ keyId: z.string(), publicKey: z.string() });
export type PackPublicKey = z.infer<typeof PackPublicKey>;

export const EvidenceManifest = z.object({
  format: z.literal(PACK_FORMAT),
  period: z.object({ from: z.string(), to: z.string(), label: z.string() }),
  generatedAt: z.string(),
  generatedBy: z.object({ id: z.string(), username: z.string(), displayName: z.string() }),
  /** The server the replica came from (the one whose audit log the pack matches). */
  server: z.string().nullable(),
  audit: z.object({
    firstSeq: z.number().int().nullable(),
    lastSeq: z.number().int().nullable(),
    lastHash: Hex64.nullable(),
    headSeq: z.number().int().nullable(),
    headHash: Hex64.nullable(),
    /** The latest server-signed checkpoint at or after the period's last event, as the replica holds it. */
    checkpoint: PackCheckpoint.nullable(),
    /** The key that signed it; its id is to be matched with the server's published key, not trusted from the pack. */
    publicKey: PackPublicKey.nullable().optional(),
    note: z.string(),
  }),
  files: z.array(z.object({ path: PackPath, sha256: Hex64, bytes: z.number().int().min(0) })),
});
export type EvidenceManifest = z.infer<typeof EvidenceManifest>;

export const sha256Hex = (bytes: Uint8Array) => bytesToHex(sha256(bytes));

export function buildManifest(meta: Omit<EvidenceManifest, 'format' | 'files'>, files: ReadonlyMap<string, Uint8Array>): EvidenceManifest {
  const entries = [...files.entries()].filter(([path]) => path !== MANIFEST_NAME).sort(([a], [b]) => a.localeCompare(b));
  return EvidenceManifest.parse({ format: PACK_FORMAT, ...meta, files: entries.map(([path, bytes]) => ({ path, sha256: sha256Hex(bytes), bytes: bytes.length })) });
}

export type PackProblem = { path: string; kind: 'modified' | 'missing' | 'extra' | 'manifest' };
export type PackVerification = { ok: boolean; manifest: EvidenceManifest | null; checked: number; problems: PackProblem[] };

/** Checks every file of a pack (its paths relative to the pack's root) against its manifest. */
export function verifyPack(files: ReadonlyMap<string, Uint8Array>): PackVerification {
  const raw = files.get(MANIFEST_NAME);
  if (!raw) return { ok: false, manifest: null, checked: 0, problems: [{ path: MANIFEST_NAME, kind: 'missing' }] };
  let manifest: EvidenceManifest;
  try {
    manifest = EvidenceManifest.parse(JSON.parse(strFromU8(raw)));
  } catch {
    return { ok: false, manifest: null, checked: 0, problems: [{ path: MANIFEST_NAME, kind: 'manifest' }] };
  }
  const problems: PackProblem[] = [];
  const listed = new Set<string>();
  let checked = 0;
  for (const entry of manifest.files) {
    listed.add(entry.path);
    const bytes = files.get(entry.path);
    if (!bytes) problems.push({ path: entry.path, kind: 'missing' });
    else {
      checked++;
      if (bytes.length !== entry.bytes || sha256Hex(bytes) !== entry.sha256) problems.push({ path: entry.path, kind: 'modified' });
    }
  }
  for (const path of files.keys()) if (path !== MANIFEST_NAME && !listed.has(path)) problems.push({ path, kind: 'extra' });
  return { ok: problems.length === 0, manifest, checked, problems };
}

const PROBLEM_WORDS: Record<PackProblem['kind'], string> = {
  modified: 'modified since the pack was made (its SHA-256 differs from the manifest)',
  missing: 'missing from the pack',
  extra: 'not listed in the manifest (added after the pack was made)',
  manifest: 'not a readable manifest of an evidence pack',
};
export const describeProblem = (p: PackProblem) => `${p.path}: ${PROBLEM_WORDS[p.kind]}`;

/**
 * A zipped pack's files by path. A pack re-zipped from its folder (one top folder holding
 * manifest.json) is read from inside that folder; folder entries are skipped.
 */
export function filesOfZip(zip: Uint8Array): Map<string, Uint8Array> {
  const entries = Object.entries(unzipSync(zip)).filter(([path]) => !path.endsWith('/'));
  const top = entries.find(([path]) => path.endsWith(`/${MANIFEST_NAME}`) && path.split('/').length === 2)?.[0].split('/')[0];
  const prefix = !entries.some(([path]) => path === MANIFEST_NAME) && top && entries.every(([path]) => path.startsWith(`${top}/`)) ? `${top}/` : '';
  return new Map(entries.map(([path, bytes]) => [path.slice(prefix.length), bytes]));
}
