/**
 * Where the secrets key comes from: a key file (JIT_SECRET_KEY_FILE, readable by its owner only) or
 * the environment (JIT_SECRET_KEY), each holding the 32 bytes in base64. The key is never written to
 * the store or a log; a key file is checked for its mode before it is read.
 */
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseSecretKey, SecretKey, SecretKeyError } from './crypto.js';

export const KEY_FILE_VARIABLE = 'JIT_SECRET_KEY_FILE';
export const KEY_VARIABLE = 'JIT_SECRET_KEY';
/** The demo's key file, in its data directory (a deployment keeps its key elsewhere). */
export const DEMO_KEY_FILE_NAME = 'secret.key';

const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/**
 * Reads a key file. Refuses a file that its group or others may read or write (mode must be 0600 or
 * stricter), a directory, or content that is not a base64 32-byte key; `label` names the setting.
 */
export function readSecretKeyFile(path: string, label: string = KEY_FILE_VARIABLE): SecretKey {
  let fd: number;
  try {
    // Non-blocking, so a FIFO planted at the path cannot hold the start-up waiting; it is then refused as not a file.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SecretKeyError(`${label}: cannot open the key file ${path} (${code ?? String(error)})`, { cause: error });
  }
  try {
    // The mode of the file actually opened (a symlink's target), so it cannot change between check and read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SecretKeyError(`${label}: ${path} is not a regular file`);
    // Windows has no POSIX modes; its ACLs are the operator's to set.
    // Another user's file, even 0600, is not this server's to trust (a server running as root reads anyone's).
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) throw new SecretKeyError(`${label}: the key file ${path} belongs to another user (uid ${stat.uid}); it must be owned by the account the server runs as`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new SecretKeyError(
        `${label}: the key file ${path} has mode ${octal(stat.mode)}, so its group or others can reach it; it must be readable by its owner only (0600 or stricter): chmod 600 ${path}`,
      );
    }
    return parseSecretKey(readFileSync(fd, 'utf8'), `${label} (${path})`);
  } finally {
    closeSync(fd);
  }
}

export type KeySources = {
  /** A key file path and the name of the setting that gave it. */
  file?: { path: string; label: string };
  /** A base64 key and the name of the setting that gave it. */
  value?: { text: string; label: string };
};

/** The key from a file or a value (not both); undefined when neither is given. */
export function loadSecretKey(sources: KeySources): SecretKey | undefined {
  const { file, value } = sources;
  if (file && value) throw new SecretKeyError(`set ${file.label} or ${value.label}, not both`);
  if (file) return readSecretKeyFile(file.path, file.label);
  if (value) return parseSecretKey(value.text, value.label);
  return undefined;
}

/** The server's key: JIT_SECRET_KEY_FILE or JIT_SECRET_KEY; undefined when neither is set. */
export function secretKeyFromEnv(env: NodeJS.ProcessEnv = process.env): SecretKey | undefined {
  return loadSecretKey({
    ...(env[KEY_FILE_VARIABLE] ? { file: { path: env[KEY_FILE_VARIABLE] as string, label: KEY_FILE_VARIABLE } } : {}),
    ...(env[KEY_VARIABLE] ? { value: { text: env[KEY_VARIABLE] as string, label: KEY_VARIABLE } } : {}),
  });
}

/** Writes a new random key to `path` with mode 0600; never overwrites an existing file. */
export function writeNewKeyFile(path: string): SecretKey {
  const key = SecretKey.generate();
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, `${key.toBase64()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new SecretKeyError(`${path} already exists: a key file is never overwritten (its key may still be needed)`, { cause: error });
    throw new SecretKeyError(`cannot write the key file ${path} (${code ?? String(error)})`, { cause: error });
  }
  return key;
}

/**
 * The demo's key: the configured one if any, else `<dataDir>/secret.key`, generated (mode 0600) on
 * the first start. Keeping the key beside the database protects nothing against a copy of the data
 * directory; it is what lets `npm start` work with nothing configured.
 */
export function demoSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): { key: SecretKey; generatedAt?: string } {
  const configured = secretKeyFromEnv(env);
  if (configured) return { key: configured };
  const path = join(dataDir, DEMO_KEY_FILE_NAME);
  if (existsSync(path)) return { key: readSecretKeyFile(path, 'the demo key file') };
  return { key: writeNewKeyFile(path), generatedAt: path };
}
