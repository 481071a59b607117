/**
 * The console's check of the signed checkpoint an evidence pack carries: Ed25519 over core's
 * checkpoint message, through WebCrypto (the CLI does the same with node:crypto). A pack that carries
 * no checkpoint, or a browser without Ed25519 in WebCrypto, gets a sentence saying so instead.
 */
import { checkpointMessage, keyIdOf } from '../../../core/audit/checkpoint.js';
import type { EvidenceManifest } from '../../../core/evidence/manifest.js';

export type SignatureVerdict = { state: 'valid' | 'invalid' | 'absent' | 'unchecked'; text: string };

const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));

export async function checkPackSignature(audit: EvidenceManifest['audit'], subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): Promise<SignatureVerdict> {
  const cp = audit.checkpoint;
  if (!cp || !audit.publicKey) return { state: 'absent', text: 'The pack carries no signed checkpoint: match its chain head hash with the server\'s audit log.' };
  let raw: Uint8Array;
  try {
    raw = fromBase64(audit.publicKey.publicKey);
  } catch {
    return { state: 'invalid', text: 'The public key in the pack is not readable.' };
  }
  if (raw.length !== 32 || keyIdOf(raw) !== cp.keyId) return { state: 'invalid', text: `The public key in the pack is not key ${cp.keyId}.` };
  if (!subtle) return { state: 'unchecked', text: 'This browser cannot check Ed25519 signatures: run npm run evidence:verify.' };
  try {
    const key = await subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
    const ok = await subtle.verify({ name: 'Ed25519' }, key, fromHex(cp.signature), checkpointMessage(cp) as Uint8Array<ArrayBuffer>);
    return ok
      ? { state: 'valid', text: `Checkpoint at event ${cp.seq} signed by key ${cp.keyId}: the signature is valid. Match the key id with the server's (Audit page).` }
      : { state: 'invalid', text: `The checkpoint's signature does not verify with key ${cp.keyId}.` };
  } catch {
    return { state: 'unchecked', text: 'This browser cannot check Ed25519 signatures: run npm run evidence:verify.' };
  }
}
