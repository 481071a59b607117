import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkpointMessage, keyIdOf } from '../../../core/audit/checkpoint.js';
import { checkPackSignature } from './checkpoint-signature.js';

describe('the console checks a pack\'s signed checkpoint with WebCrypto', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  const unsigned = { seq: 6, hash: 'ab'.repeat(32), at: '2026-10-05T09:00:00.000Z', keyId: keyIdOf(raw) };
  const checkpoint = { ...unsigned, signature: sign(null, checkpointMessage(unsigned), privateKey).toString('hex') };
  const audit = { firstSeq: 1, lastSeq: 6, lastHash: unsigned.hash, headSeq: 6, headHash: unsigned.hash, note: '', checkpoint, publicKey: { keyId: unsigned.keyId, publicKey: Buffer.from(raw).toString('base64') } };

  it('valid as signed, invalid once edited, absent without a checkpoint', async () => {
    expect((await checkPackSignature(audit)).state).toBe('valid');
    expect((await checkPackSignature({ ...audit, checkpoint: { ...checkpoint, seq: 5 } })).state).toBe('invalid');
    expect((await checkPackSignature({ ...audit, publicKey: { ...audit.publicKey, keyId: 'other' }, checkpoint: { ...checkpoint, keyId: 'ff'.repeat(8) } })).state).toBe('invalid');
    expect((await checkPackSignature({ ...audit, checkpoint: null })).state).toBe('absent');
    const noEd25519 = { importKey: () => Promise.reject(new Error('Ed25519 is not supported')) } as unknown as SubtleCrypto;
    expect((await checkPackSignature(audit, noEd25519)).state).toBe('unchecked');
  });
});
