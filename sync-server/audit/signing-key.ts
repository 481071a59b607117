/**
 * The audit signing key: an Ed25519 private key (PKCS#8 PEM, so `openssl pkey -in FILE -pubout`
 * reads it) in a file readable by its owner only, kept outside the database: beside the secrets
 * key file when JIT_SECRET_KEY_FILE is set, else in the data directory. Generated on first start;
 * a file whose mode lets its group or others reach it is refused, and so the server does not start.
 */
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { dirname, join } from 'node:path';
import { checkpointMessage, keyIdOf, type AuditCheckpoint, type CheckpointKey, type UnsignedCheckpoint } from '../../core/index.js';

export const AUDIT_KEY_FILE_VARIABLE = 'JIT_AUDIT_KEY_FILE';
export const AUDIT_KEY_FILE_NAME = 'audit-signing.key';

export class AuditKeyError extends Error {
  override name = 'AuditKeyError';
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** Where the key lives: JIT_AUDIT_KEY_FILE, else beside JIT_SECRET_KEY_FILE, else in the data directory. */
export function auditKeyPath(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env[AUDIT_KEY_FILE_VARIABLE]) return env[AUDIT_KEY_FILE_VARIABLE] as string;
  if (env.JIT_SECRET_KEY_FILE) return join(dirname(env.JIT_SECRET_KEY_FILE), AUDIT_KEY_FILE_NAME);
  return join(dataDir, AUDIT_KEY_FILE_NAME);
}

/** The public half, as consoles and auditors receive it. */
export type AuditPublicKey = {
  algorithm: 'Ed25519';
  keyId: string;
  /** The 32 raw bytes, base64 (WebCrypto: importKey('raw', ..., { name: 'Ed25519' }, ...)). */
  publicKey: string;
  /** The same key as SPKI PEM (openssl, Node's createPublicKey). */
  publicKeyPem: string;
};

export type AuditSigner = AuditPublicKey & {
  path: string;
  sign(cp: UnsignedCheckpoint): AuditCheckpoint;
  /** Ed25519 over other audit messages (an archive's seal, core/audit/archive.ts), hex. */
  signBytes(message: Uint8Array): string;
  /** The check core's verifyAuditLog takes, with this key. */
  checkKey: CheckpointKey;
};

function rawPublicKey(key: KeyObject): Buffer {
  // An Ed25519 SPKI is a fixed 12-byte header then the 32 key bytes.
  return key.export({ format: 'der', type: 'spki' }).subarray(12);
}

/** A verifier for a public key given as base64 raw bytes or SPKI PEM (the CLI's --public-key). */
export function publicCheckKey(text: string): CheckpointKey & { publicKey: KeyObject } {
  const trimmed = text.trim();
  const publicKey = trimmed.startsWith('-----BEGIN')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(trimmed, 'base64')]), format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new AuditKeyError('the public key is not an Ed25519 key');
  return { publicKey, keyId: keyIdOf(rawPublicKey(publicKey)), verify: (message, signature) => verify(null, message, publicKey, signature) };
}

function signerOf(privateKey: KeyObject, path: string): AuditSigner {
  const publicKey = createPublicKey(privateKey);
  const raw = rawPublicKey(publicKey);
  const keyId = keyIdOf(raw);
  return {
    path,
    algorithm: 'Ed25519',
    keyId,
    publicKey: raw.toString('base64'),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    sign: (cp) => ({ ...cp, signature: sign(null, checkpointMessage(cp), privateKey).toString('hex') }),
    signBytes: (message) => sign(null, message, privateKey).toString('hex'),
    checkKey: { keyId, verify: (message, signature) => verify(null, message, publicKey, signature) },
  };
}

/** Reads the key file: a regular file of this account's, mode 0600 or stricter, holding an Ed25519 PKCS#8 PEM. */
export function readAuditKeyFile(path: string): AuditSigner {
  let fd: number;
  try {
    // Non-blocking, so a FIFO planted at the path cannot hold the start waiting; it is then refused as not a file.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new AuditKeyError(`audit signing key: cannot open ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  let pem: string;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new AuditKeyError(`audit signing key: ${path} is not a regular file`);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) throw new AuditKeyError(`audit signing key: ${path} belongs to another user (uid ${stat.uid}); it must be owned by the account the server runs as`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new AuditKeyError(`audit signing key: ${path} has mode ${octal(stat.mode)}, so its group or others can reach it; it must be readable by its owner only (0600 or stricter): chmod 600 ${path}`);
    }
    pem = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new AuditKeyError(`audit signing key: ${path} does not hold a PEM private key`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`audit signing key: ${path} holds a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not Ed25519`);
  return signerOf(key, path);
}

/** The key at `path`, generated (mode 0600, never overwriting) when the file does not exist yet. */
export function loadOrCreateAuditKey(path: string): { signer: AuditSigner; generated: boolean } {
  if (existsSync(path)) return { signer: readAuditKeyFile(path), generated: false };
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new AuditKeyError(`audit signing key: cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  return { signer: readAuditKeyFile(path), generated: true };
}
