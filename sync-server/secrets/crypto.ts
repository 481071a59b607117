/**
 * Secrets at rest: AES-256-GCM from node:crypto. Each value gets a fresh random 96-bit nonce and is
 * sealed to its context (which record and field it belongs to) as additional authenticated data, so
 * a ciphertext copied onto another record fails to open instead of decrypting there. The envelope
 * names the key it was sealed under (a key id derived from the key), so rotation and a wrong key
 * can be told apart from tampering:
 *
 *   jitsec:v1:<key id>:<nonce, base64url>:<ciphertext, base64url>:<tag, base64url>
 *
 * Decryption either returns the exact plaintext or throws: GCM's tag check means a wrong key or an
 * altered byte never yields garbage. See docs/decisions/secrets-at-rest.md.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const PREFIX = 'jitsec';
const VERSION = 'v1';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE = /^jitsec:v1:([0-9a-f]{16}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]*):([A-Za-z0-9_-]{22})$/;

/** A problem with a key: missing, malformed, badly protected, or not the one a value was sealed under. */
export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/** A stored value that does not open: altered, truncated, or moved from another record. */
export class SecretIntegrityError extends Error {
  override name = 'SecretIntegrityError';
}

/**
 * A 256-bit key and its id. The bytes stay inside: printing, logging or JSON-encoding a key shows
 * only its id, so a key cannot reach a log line by accident.
 */
/** Key bytes by key: outside this module a key can be used, never read. */
const KEY_MATERIAL = new WeakMap<SecretKey, Buffer>();

function material(key: SecretKey): Buffer {
  const bytes = KEY_MATERIAL.get(key);
  if (!bytes) throw new SecretKeyError('not a secrets key made by SecretKey');
  return bytes;
}

export class SecretKey {
  /** HMAC-SHA256(key, "jit secret key id"), first 8 bytes in hex: names the key without revealing it. */
  readonly id: string;

  constructor(bytes: Uint8Array) {
    if (bytes.length !== KEY_BYTES) throw new SecretKeyError(`a secrets key is ${KEY_BYTES} bytes, got ${bytes.length}`);
    const copy = Buffer.from(bytes);
    KEY_MATERIAL.set(this, copy);
    this.id = createHmac('sha256', copy).update('jit secret key id').digest('hex').slice(0, 16);
  }

  /** A new random key. */
  static generate(): SecretKey {
    return new SecretKey(randomBytes(KEY_BYTES));
  }

  /** The key as a key file or JIT_SECRET_KEY holds it: base64 of the 32 bytes. */
  toBase64(): string {
    return material(this).toString('base64');
  }

  toString(): string {
    return `[secrets key ${this.id}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Parses a key from its base64 text, e.g. a key file's content; `source` names where it came from. */
export function parseSecretKey(text: string, source: string): SecretKey {
  const trimmed = text.trim();
  // Never echo the text: a malformed key may still be most of a real one.
  if (!/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) {
    throw new SecretKeyError(`${source} must hold a 32-byte key in base64 (44 characters, e.g. from \`npm run secrets -- generate-key <file>\`)`);
  }
  return new SecretKey(Buffer.from(trimmed, 'base64'));
}

/**
 * What the tag covers besides the ciphertext: the format, the key id, the context, and whatever the
 * caller binds the secret to (a connector's other settings: where the secret will be sent).
 */
const aad = (keyId: string, context: string, boundTo: string) =>
  Buffer.concat([Buffer.from(`${PREFIX}:${VERSION}:${keyId}:${Buffer.byteLength(context)}:${context}:`, 'utf8'), Buffer.from(boundTo, 'utf8')]);

/**
 * Encrypts `plaintext` for `context` (e.g. "connector_configs/entra-prod"), bound to `boundTo`: the
 * value opens only with the same context and the same `boundTo`, so neither can be changed without the key.
 */
export function encryptSecret(plaintext: string, key: SecretKey, context: string, boundTo = ''): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material(key), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(key.id, context, boundTo));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [PREFIX, VERSION, key.id, nonce.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join(':');
}

/** The id of the key an envelope was sealed under; throws if it is not an envelope. */
export function envelopeKeyId(envelope: string, context: string): string {
  const match = ENVELOPE.exec(envelope);
  if (!match) throw new SecretIntegrityError(`${context}: the stored value is not an encrypted secret (damaged or written by something else)`);
  return match[1] as string;
}

export function isEnvelope(value: unknown): value is string {
  return typeof value === 'string' && ENVELOPE.test(value);
}

/**
 * Decrypts an envelope made for `context` and `boundTo` with whichever of `keys` it names. Throws
 * SecretKeyError when none of them is its key, SecretIntegrityError when the value, or what it is
 * bound to, was altered, or the value belongs to another record.
 */
export function decryptSecret(envelope: string, keys: SecretKey | readonly SecretKey[], context: string, boundTo = ''): string {
  const match = ENVELOPE.exec(envelope);
  if (!match) throw new SecretIntegrityError(`${context}: the stored value is not an encrypted secret (damaged or written by something else)`);
  const [, keyId, nonce, ciphertext, tag] = match as unknown as [string, string, string, string, string];
  const ring = Array.isArray(keys) ? keys : [keys as SecretKey];
  const key = ring.find((k) => k.id === keyId);
  if (!key) {
    const given = ring.map((k) => k.id).join(', ') || 'none';
    throw new SecretKeyError(`${context} is encrypted under key ${keyId}, but the key given is ${given}: configure the key it was stored under (or rotate to the new one with \`npm run secrets:rotate\`)`);
  }
  const decipher = createDecipheriv('aes-256-gcm', material(key), Buffer.from(nonce, 'base64url'), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(keyId, context, boundTo));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new SecretIntegrityError(`${context}: the encrypted value fails its integrity check: it, or the settings it is bound to, was altered, or it was copied from another record`, { cause: error });
  }
}
