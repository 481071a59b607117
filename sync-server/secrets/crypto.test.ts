import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, envelopeKeyId, isEnvelope, parseSecretKey, SecretIntegrityError, SecretKey, SecretKeyError } from './crypto.js';
import { demoSecretKey, loadSecretKey, readSecretKeyFile, secretKeyFromEnv, writeNewKeyFile } from './key.js';

const SECRET = 'client-secret-Zx81~plaintext';
const CONTEXT = 'connector_configs/entra-prod';

/** The envelope with one character of field `index` (3 nonce, 4 ciphertext, 5 tag) changed. */
function alter(envelope: string, index: number): string {
  const parts = envelope.split(':');
  const field = parts[index] as string;
  parts[index] = `${field[0] === 'A' ? 'B' : 'A'}${field.slice(1)}`;
  return parts.join(':');
}

describe('encryptSecret / decryptSecret (AES-256-GCM)', () => {
  const key = SecretKey.generate();

  it('round-trips any text, with a fresh nonce every time', () => {
    for (const text of [SECRET, '', 'ünïcødé ✓ 🔑', 'x'.repeat(10_000)]) {
      const envelope = encryptSecret(text, key, CONTEXT);
      expect(isEnvelope(envelope)).toBe(true);
      expect(envelopeKeyId(envelope, CONTEXT)).toBe(key.id);
      expect(decryptSecret(envelope, key, CONTEXT)).toBe(text);
    }
    const a = encryptSecret(SECRET, key, CONTEXT);
    const b = encryptSecret(SECRET, key, CONTEXT);
    expect(a).not.toBe(b);
    expect(a.split(':')[3]).not.toBe(b.split(':')[3]);
    expect(a).not.toContain(SECRET);
    expect(a).not.toContain(Buffer.from(SECRET).toString('base64url'));
  });

  it('detects tampering with the nonce, the ciphertext or the tag', () => {
    const envelope = encryptSecret(SECRET, key, CONTEXT);
    for (const index of [3, 4, 5]) {
      expect(() => decryptSecret(alter(envelope, index), key, CONTEXT)).toThrow(SecretIntegrityError);
    }
    expect(() => decryptSecret(envelope.slice(0, -3), key, CONTEXT)).toThrow(/not an encrypted secret/);
    expect(() => decryptSecret('plain text', key, CONTEXT)).toThrow(SecretIntegrityError);
  });

  it('opens only for the context and the binding it was sealed to', () => {
    const envelope = encryptSecret(SECRET, key, CONTEXT, 'authorityHost=https://login.microsoftonline.com');
    expect(decryptSecret(envelope, key, CONTEXT, 'authorityHost=https://login.microsoftonline.com')).toBe(SECRET);
    expect(() => decryptSecret(envelope, key, 'connector_configs/other', 'authorityHost=https://login.microsoftonline.com')).toThrow(/integrity check/);
    expect(() => decryptSecret(envelope, key, CONTEXT, 'authorityHost=https://evil.example')).toThrow(/integrity check/);
  });

  it('a wrong key is a clear error naming both key ids, never garbage', () => {
    const other = SecretKey.generate();
    const envelope = encryptSecret(SECRET, key, CONTEXT);
    expect(() => decryptSecret(envelope, other, CONTEXT)).toThrow(SecretKeyError);
    expect(() => decryptSecret(envelope, other, CONTEXT)).toThrow(`${CONTEXT} is encrypted under key ${key.id}, but the key given is ${other.id}`);
    // An envelope relabelled with the other key's id is refused by the tag, not decrypted into garbage.
    const relabelled = envelope.replace(`:${key.id}:`, `:${other.id}:`);
    expect(() => decryptSecret(relabelled, other, CONTEXT)).toThrow(SecretIntegrityError);
    // With a key ring, the envelope's own key is picked.
    expect(decryptSecret(envelope, [other, key], CONTEXT)).toBe(SECRET);
  });

  it('a key shows only its id when printed, logged or serialised', () => {
    const base64 = key.toBase64();
    for (const shown of [String(key), JSON.stringify({ key }), inspect(key), inspect({ nested: { key } }), `${key}`]) {
      expect(shown).toContain(key.id);
      expect(shown).not.toContain(base64);
    }
    expect(Object.keys(key)).toEqual(['id']);
  });

  it('key ids are stable for a key and differ between keys', () => {
    expect(parseSecretKey(key.toBase64(), 'test').id).toBe(key.id);
    expect(SecretKey.generate().id).not.toBe(key.id);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('parses only base64 of exactly 32 bytes, without echoing what it was given', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    for (const bad of [short, `${key.toBase64()}AAAA`, 'not a key at all', '', key.toBase64().replace(/=$/, '')]) {
      expect(() => parseSecretKey(bad, 'JIT_SECRET_KEY')).toThrow(/JIT_SECRET_KEY must hold a 32-byte key in base64/);
      try {
        parseSecretKey(bad, 'JIT_SECRET_KEY');
      } catch (error) {
        if (bad) expect((error as Error).message).not.toContain(bad);
      }
    }
    expect(parseSecretKey(`  ${key.toBase64()}\n`, 'x').id).toBe(key.id);
  });
});

describe('key files and the environment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jit-secrets-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a new key file with mode 0600 and never overwrites one', () => {
    const path = join(dir, 'keys', 'jit.key');
    const key = writeNewKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readSecretKeyFile(path).id).toBe(key.id);
    const before = readFileSync(path, 'utf8');
    expect(() => writeNewKeyFile(path)).toThrow(/already exists: a key file is never overwritten/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it.skipIf(process.platform === 'win32')('refuses a key file its group or others can reach, naming the file and its mode', () => {
    const path = join(dir, 'jit.key');
    const key = writeNewKeyFile(path);
    for (const mode of [0o644, 0o640, 0o604, 0o660, 0o602, 0o777]) {
      chmodSync(path, mode);
      const shown = `0${mode.toString(8)}`;
      expect(() => readSecretKeyFile(path)).toThrow(`JIT_SECRET_KEY_FILE: the key file ${path} has mode ${shown}, so its group or others can reach it; it must be readable by its owner only (0600 or stricter): chmod 600 ${path}`);
    }
    for (const mode of [0o600, 0o400]) {
      chmodSync(path, mode);
      expect(readSecretKeyFile(path).id).toBe(key.id);
    }
  });

  it('names a missing file, a directory and bad content', () => {
    expect(() => readSecretKeyFile(join(dir, 'missing.key'))).toThrow(`JIT_SECRET_KEY_FILE: cannot open the key file ${join(dir, 'missing.key')} (ENOENT)`);
    const sub = join(dir, 'sub');
    mkdirSync(sub, { mode: 0o700 });
    expect(() => readSecretKeyFile(sub, '--old-key-file')).toThrow(`--old-key-file: ${sub} is not a regular file`);
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'hunter2\n', { mode: 0o600 });
    expect(() => readSecretKeyFile(bad)).toThrow(`JIT_SECRET_KEY_FILE (${bad}) must hold a 32-byte key in base64`);
    expect(() => readSecretKeyFile(bad)).not.toThrow(/hunter2/);
  });

  it('refuses a FIFO at the key path at once instead of waiting for a writer', () => {
    const fifo = join(dir, 'fifo.key');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    expect(() => readSecretKeyFile(fifo)).toThrow(`JIT_SECRET_KEY_FILE: ${fifo} is not a regular file`);
  });

  it('takes JIT_SECRET_KEY_FILE or JIT_SECRET_KEY, not both, and nothing when neither is set', () => {
    const path = join(dir, 'jit.key');
    const fromFile = writeNewKeyFile(path);
    const inline = SecretKey.generate();
    expect(secretKeyFromEnv({ JIT_SECRET_KEY_FILE: path })?.id).toBe(fromFile.id);
    expect(secretKeyFromEnv({ JIT_SECRET_KEY: inline.toBase64() })?.id).toBe(inline.id);
    expect(secretKeyFromEnv({})).toBeUndefined();
    expect(() => secretKeyFromEnv({ JIT_SECRET_KEY_FILE: path, JIT_SECRET_KEY: inline.toBase64() })).toThrow('set JIT_SECRET_KEY_FILE or JIT_SECRET_KEY, not both');
    expect(loadSecretKey({ value: { text: inline.toBase64(), label: 'JIT_SECRET_KEY_NEW' } })?.id).toBe(inline.id);
  });

  it('the demo makes its key file once (mode 0600) and reuses it; a configured key wins', () => {
    const first = demoSecretKey(dir, {});
    expect(first.generatedAt).toBe(join(dir, 'secret.key'));
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    const again = demoSecretKey(dir, {});
    expect(again.generatedAt).toBeUndefined();
    expect(again.key.id).toBe(first.key.id);
    const configured = SecretKey.generate();
    expect(demoSecretKey(dir, { JIT_SECRET_KEY: configured.toBase64() }).key.id).toBe(configured.id);
  });
});
