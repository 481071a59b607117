/**
 * `npm run evidence:verify -- PACK`: checks an evidence pack (its folder, or the .zip the console
 * saved) against its manifest.json, naming every modified, missing or extra file.
 * A signed checkpoint the pack carries with its key is checked too (Ed25519 over core's checkpoint
 * message). Exit codes: 0 every file as the manifest says (and the signature valid); 1 a file
 * modified, missing or added, or a bad signature; 2 usage or not a pack.
 */
import { createPublicKey, verify } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkpointMessage, keyIdOf } from '../core/audit/checkpoint.js';
import { describeProblem, filesOfZip, verifyPack, type EvidenceManifest } from '../core/evidence/manifest.js';

function filesOfDir(root: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(path.relative(root, full).split(path.sep).join('/'), new Uint8Array(readFileSync(full)));
    }
  };
  walk(root);
  return files;
}

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow.
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

/** The pack's checkpoint signature checked with the key the pack carries: null when it carries none. */
function checkpointSignature(audit: EvidenceManifest['audit']): { ok: boolean; line: string } | null {
  const cp = audit.checkpoint;
  if (!cp || !audit.publicKey) return null;
  const raw = Buffer.from(audit.publicKey.publicKey, 'base64');
  if (raw.length !== 32 || keyIdOf(raw) !== cp.keyId) return { ok: false, line: `the public key in the pack is not key ${cp.keyId}` };
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI, raw]), format: 'der', type: 'spki' });
  const ok = verify(null, checkpointMessage(cp), key, Buffer.from(cp.signature, 'hex'));
  return ok
    ? { ok, line: `Checkpoint signature valid for key ${cp.keyId}: match this key id with the server's (npm run audit:verify, or the console's Audit page)` }
    : { ok, line: `the checkpoint's signature does not verify with key ${cp.keyId}` };
}

function main(args: string[]): number {
  const target = args.find((a) => a !== '--');
  if (!target || args.includes('--help') || args.includes('-h')) {
    console.error('usage: npm run evidence:verify -- <pack folder or .zip>');
    return 2;
  }
  let files: Map<string, Uint8Array>;
  try {
    files = statSync(target).isDirectory() ? filesOfDir(target) : filesOfZip(new Uint8Array(readFileSync(target)));
  } catch (err) {
    console.error(`${target}: cannot be read as an evidence pack (${err instanceof Error ? err.message : String(err)})`);
    return 2;
  }
  const result = verifyPack(files);
  if (!result.manifest) {
    for (const p of result.problems) console.error(describeProblem(p));
    return 2;
  }
  const m = result.manifest;
  console.log(`Evidence pack for ${m.period.label} (${m.period.from} to ${m.period.to}), generated ${m.generatedAt} by ${m.generatedBy.username}`);
  console.log(m.audit.checkpoint ? `Covers audit events up to signed checkpoint ${m.audit.checkpoint.seq} (${m.audit.checkpoint.hash})` : `Covers audit events ${m.audit.firstSeq ?? '-'} to ${m.audit.lastSeq ?? '-'}, last hash ${m.audit.lastHash ?? '-'} (no signed checkpoint in the pack)`);
  const signature = checkpointSignature(m.audit);
  if (signature?.ok) console.log(signature.line);
  if (result.ok && signature?.ok !== false) {
    console.log(`OK: ${result.checked} files match manifest.json`);
    return 0;
  }
  if (signature && !signature.ok) console.error(`FAILED ${signature.line}`);
  for (const p of result.problems) console.error(`FAILED ${describeProblem(p)}`);
  if (result.problems.length > 0) console.error(`${result.problems.length} of ${m.files.length} files do not match manifest.json`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
