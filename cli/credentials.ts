import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './errors.js';

/** What `jit login` keeps: the server, the bearer token and who it belongs to. */
export type Credentials = {
  server: string;
  token: string;
  expiresAt: string;
  user: { id: string; username: string; displayName: string; roles: string[] };
};

/** `$JIT_CONFIG_DIR`, else `$XDG_CONFIG_HOME/jit`, else `~/.config/jit`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JIT_CONFIG_DIR) return env.JIT_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'jit');
}

export const credentialsPath = (env: NodeJS.ProcessEnv = process.env) => join(configDir(env), 'credentials.json');

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * The stored credentials, or null when not signed in. A file that someone else could read or
 * write (group or other bits set), a symbolic link, or one owned by another user is refused: the
 * token is as good as a password until it expires.
 */
export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | null {
  const path = credentialsPath(env);
  let link;
  try {
    link = lstatSync(path);
  } catch {
    return null;
  }
  if (link.isSymbolicLink() || !link.isFile()) throw new CliError(EXIT.unauthenticated, `${path} is not a regular file; remove it and run jit login`, 'unsafe_token_file');
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if ((stat.mode & 0o077) !== 0) {
      throw new CliError(EXIT.unauthenticated, `${path} is readable or writable by others (mode ${octal(stat.mode)}); refusing to use it: run chmod 600 on it or jit login again`, 'unsafe_token_file');
    }
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new CliError(EXIT.unauthenticated, `${path} belongs to another user; refusing to use it: run jit login`, 'unsafe_token_file');
    }
    const parsed = JSON.parse(readFileSync(fd, 'utf8')) as Partial<Credentials>;
    if (typeof parsed.token !== 'string' || typeof parsed.server !== 'string' || typeof parsed.expiresAt !== 'string' || !parsed.user) {
      throw new CliError(EXIT.unauthenticated, `${path} is not a jit token file; run jit login`, 'unauthenticated');
    }
    return parsed as Credentials;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(EXIT.unauthenticated, `${path} could not be read (${error instanceof Error ? error.message : String(error)}); run jit login`, 'unauthenticated');
  } finally {
    closeSync(fd);
  }
}

/** Writes a fresh file, mode 0600 in a 0700 directory; an old one (whatever its mode) is replaced, never reused. */
export function writeCredentials(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): string {
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  const path = credentialsPath(env);
  removeCredentials(env);
  // O_EXCL: if something appeared at the path meanwhile, fail rather than write through it.
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Removes the file; false when there was none. */
export function removeCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    unlinkSync(credentialsPath(env));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
