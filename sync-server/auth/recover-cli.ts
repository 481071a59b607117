/**
 * `npm run admin:recover -- <data dir> [--user <username>]`: the way back in when no admin can sign
 * in (forgotten password, a throttled or disabled admin). Run it on the server host, as someone
 * who can write the data directory; the server may keep running. It sets a new generated password
 * on the admin account (default `admin`), clears that username's sign-in throttle, ends its
 * sessions, enables it again if it was disabled, audits all of it, and prints the new password.
 * Exit codes: 0 done, 1 no such admin account, 2 usage or file errors.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openStore, STORE_FILE_NAME } from '../store/sqlite-store.js';
import { recoverAdmin, RecoveryError } from './recovery.js';

const USAGE = 'usage: npm run admin:recover -- <data dir> [--user <username>]\n';

function parseArgs(argv: readonly string[]): { dataDir: string; username?: string } | string {
  let dataDir: string | undefined;
  let username: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') continue;
    if (arg === '--user') {
      username = argv[++i];
      if (!username) return '--user needs a username';
    } else if (arg.startsWith('--user=')) username = arg.slice('--user='.length);
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else if (dataDir === undefined) dataDir = arg;
    else return `unexpected argument ${arg}`;
  }
  if (!dataDir) return 'the data directory is required';
  return { dataDir, ...(username ? { username } : {}) };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${USAGE}`);
    return 2;
  }
  const dataDir = resolve(args.dataDir);
  const file = join(dataDir, STORE_FILE_NAME);
  // Never create a store: a typo in the path must not make an empty one.
  if (!existsSync(file)) {
    process.stderr.write(`no store at ${file}\n${USAGE}`);
    return 2;
  }
  const store = openStore({ dataDir });
  try {
    const result = await recoverAdmin(store, args.username ? { username: args.username } : {});
    process.stdout.write(
      [
        `Account ${result.username} (${result.accountId}) recovered: ${result.throttleCleared} throttled address(es) cleared, ${result.sessionsEnded} session(s) ended${result.reenabled ? ', enabled again' : ''}; audited.`,
        `New password for ${result.username}: ${result.password}`,
        'It is shown only now. Sign in with it and keep it somewhere safe.',
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    if (error instanceof RecoveryError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`admin:recover failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
