/**
 * `npm run secrets -- <command>`: the secrets key and the connector configs stored encrypted.
 *
 *   generate-key <file>          a new random key in <file>, mode 0600 (never overwrites)
 *   import-connectors <file>     stores a connectors file's configs, secrets encrypted under the key
 *                                (JIT_SECRET_KEY_FILE or JIT_SECRET_KEY); the file can then be deleted
 *   status                       stored connectors and the key id their secrets are under (decrypts nothing)
 *   delete-connector <id>        removes a stored connector config
 *   set-ticket-hook-secret <name>
 *                                stores a ticket-check hook's shared secret (read from standard input,
 *                                one line) encrypted under the key; policies name it in ticketCheck.secretName
 *   delete-ticket-hook-secret <name>
 *                                removes it (hooks naming it then answer "unknown")
 *   set-offboard-webhook-secret  stores the offboarding webhook's shared secret (standard input, one line),
 *                                encrypted; delete-offboard-webhook-secret removes it
 *   rotate --old-key-file <f> --new-key-file <f>
 *                                (`npm run secrets:rotate -- ...`) re-encrypts every stored secret under
 *                                the new key in one transaction; JIT_SECRET_KEY_OLD / JIT_SECRET_KEY_NEW
 *                                may give the keys instead of files
 *
 * Every command takes --data-dir (default JIT_DATA_DIR, else ./data). Exit 0 done, 1 failed, 2 usage.
 * Keys are never printed; only their ids are.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, STORE_FILE_NAME } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { deleteConnectorConfig, importIntoDataDir, listStoredConnectors } from './connector-store.js';
import { loadSecretKey, secretKeyFromEnv, writeNewKeyFile } from './key.js';
import { rotateSecrets } from './rotate.js';
import { deleteTicketHookSecret, listTicketHookSecrets, setTicketHookSecret } from '../ticket-check/secret-store.js';
import { deleteOffboardWebhookSecret, offboardWebhookSecretStatus, setOffboardWebhookSecret } from '../offboarding/webhook-secret.js';
import type { SecretKey } from './crypto.js';

class UsageError extends Error {}

const USAGE = `usage: npm run secrets -- <command> [--data-dir DIR]
  generate-key <file>
  import-connectors <connectors.json>
  status
  delete-connector <id>
  set-ticket-hook-secret <name>      (the secret on standard input)
  delete-ticket-hook-secret <name>
  set-offboard-webhook-secret        (the secret on standard input)
  delete-offboard-webhook-secret
  rotate --old-key-file <file> --new-key-file <file>   (or JIT_SECRET_KEY_OLD / JIT_SECRET_KEY_NEW)`;

const out = (line: string) => process.stdout.write(`${line}\n`);

function withStore<T>(dataDir: string, fn: (store: Store) => T): T {
  if (!existsSync(join(dataDir, STORE_FILE_NAME))) throw new Error(`no store at ${join(dataDir, STORE_FILE_NAME)} (give --data-dir or JIT_DATA_DIR)`);
  const store = openStore({ dataDir });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function requireKey(label: string, file: string | undefined, fileFlag: string, variable: string): SecretKey {
  const text = process.env[variable];
  const key = loadSecretKey({ ...(file ? { file: { path: file, label: fileFlag } } : {}), ...(text ? { value: { text, label: variable } } : {}) });
  if (!key) throw new UsageError(`the ${label} key is needed: ${fileFlag} <file> or ${variable}`);
  return key;
}

function main(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, 'old-key-file': { type: 'string' }, 'new-key-file': { type: 'string' }, help: { type: 'boolean' } },
  });
  const [command, arg] = positionals;
  if (values.help || !command) throw new UsageError('');
  const dataDir = resolve(values['data-dir'] ?? (process.env.JIT_DATA_DIR || './data'));

  switch (command) {
    case 'generate-key': {
      if (!arg) throw new UsageError('generate-key needs the file to write');
      const key = writeNewKeyFile(resolve(arg));
      out(`wrote a new key (id ${key.id}) to ${resolve(arg)}, mode 0600`);
      return;
    }
    case 'import-connectors': {
      if (!arg) throw new UsageError('import-connectors needs the connectors file');
      const configs = JSON.parse(readFileSync(arg, 'utf8')) as unknown;
      if (!Array.isArray(configs)) throw new Error(`${arg} must hold a JSON array of connector configs`);
      const key = secretKeyFromEnv();
      const result = importIntoDataDir(dataDir, configs, { ...(key ? { key } : {}), source: 'npm run secrets -- import-connectors' });
      out(`stored: ${result.stored.join(', ') || 'none'}; unchanged: ${result.unchanged.join(', ') || 'none'}${result.keyId ? `; secrets encrypted under key ${result.keyId}` : ''}`);
      out(`${arg} is no longer needed by the server: delete it`);
      return;
    }
    case 'status':
      withStore(dataDir, (store) => {
        const stored = listStoredConnectors(store);
        if (stored.length === 0) out('no connector configs stored');
        for (const c of stored) out(`${c.id}\t${c.kind}\t${c.keyId ? `secrets under key ${c.keyId}` : 'no secrets'}\tupdated ${c.updatedAt}`);
        for (const s of listTicketHookSecrets(store)) out(`ticket-hook secret ${s.name}\tunder key ${s.keyId}\tupdated ${s.updatedAt}`);
        const webhook = offboardWebhookSecretStatus(store);
        if (webhook) out(`offboarding webhook secret\tunder key ${webhook.keyId}\tupdated ${webhook.updatedAt}`);
      });
      return;
    case 'delete-connector': {
      if (!arg) throw new UsageError('delete-connector needs the connector id');
      const removed = withStore(dataDir, (store) => deleteConnectorConfig(store, arg, { source: 'npm run secrets -- delete-connector' }));
      if (!removed) throw new Error(`no connector config ${arg} is stored`);
      out(`removed connector config ${arg}`);
      return;
    }
    case 'set-ticket-hook-secret': {
      if (!arg) throw new UsageError('set-ticket-hook-secret needs the secret\'s name (the one policies give as ticketCheck.secretName)');
      if (process.stdin.isTTY) process.stderr.write(`the shared secret for ${arg}, then Enter and Ctrl-D: `);
      // From standard input only: a secret on the command line would sit in the shell history and in ps.
      const secret = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      const key = secretKeyFromEnv();
      withStore(dataDir, (store) => setTicketHookSecret(store, key, arg, secret, { source: 'npm run secrets -- set-ticket-hook-secret' }));
      out(`stored ticket-hook secret ${arg}, encrypted under key ${key?.id ?? '(none)'}`);
      return;
    }
    case 'delete-ticket-hook-secret': {
      if (!arg) throw new UsageError('delete-ticket-hook-secret needs the secret\'s name');
      const removed = withStore(dataDir, (store) => deleteTicketHookSecret(store, arg, { source: 'npm run secrets -- delete-ticket-hook-secret' }));
      if (!removed) throw new Error(`no ticket-hook secret ${arg} is stored`);
      out(`removed ticket-hook secret ${arg}; hooks naming it now answer unknown`);
      return;
    }
    case 'set-offboard-webhook-secret': {
      if (process.stdin.isTTY) process.stderr.write('the offboarding webhook\'s shared secret, then Enter and Ctrl-D: ');
      const secret = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      const key = secretKeyFromEnv();
      withStore(dataDir, (store) => setOffboardWebhookSecret(store, key, secret, { source: 'npm run secrets -- set-offboard-webhook-secret' }));
      out(`stored the offboarding webhook secret, encrypted under key ${key?.id ?? '(none)'}`);
      return;
    }
    case 'delete-offboard-webhook-secret': {
      const removed = withStore(dataDir, (store) => deleteOffboardWebhookSecret(store, { source: 'npm run secrets -- delete-offboard-webhook-secret' }));
      if (!removed) throw new Error('no offboarding webhook secret is stored');
      out('removed the offboarding webhook secret; the webhook now refuses every call');
      return;
    }
    case 'rotate': {
      const from = requireKey('old', values['old-key-file'], '--old-key-file', 'JIT_SECRET_KEY_OLD');
      const to = requireKey('new', values['new-key-file'], '--new-key-file', 'JIT_SECRET_KEY_NEW');
      const result = withStore(dataDir, (store) => rotateSecrets(store, from, to));
      out(`re-encrypted ${result.reencrypted} secret(s) from key ${result.fromKeyId} to key ${result.toKeyId}${result.alreadyNew ? `; ${result.alreadyNew} already under the new key` : ''}`);
      out('now point JIT_SECRET_KEY_FILE (or JIT_SECRET_KEY) at the new key and restart the server');
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    if (error.message) process.stderr.write(`${error.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`secrets: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
