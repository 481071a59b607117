/**
 * `npm run audit:verify -- <data dir | jit.sqlite> [--key-file FILE | --public-key KEY]`: verifies
 * the audit log offline, opening the SQLite file read-only: the hash chain, every signed checkpoint
 * (signature, and the chain's hash at its seq; the head not behind the last one), the side file's
 * latest checkpoint, the guard triggers, and the stored accounts and grants against the log.
 * Prints "OK <count> events, head <hash>" then what is signed, and exits 0; or a FAILED line per
 * problem and exits 1 (2 for usage or file errors).
 *
 * The public key comes from --public-key (base64 of the 32 raw bytes, or a PEM file), else from the
 * signing key file: --key-file, JIT_AUDIT_KEY_FILE, beside JIT_SECRET_KEY_FILE, or the data directory.
 * `npm run audit:verify -- --print-key [data dir] [--key-file FILE]` prints the public key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { CheckpointKey } from '../core/index.js';
import { checkpointsMigrated, inspectCheckpointLedger } from './audit/checkpoint-ledger.js';
import { DEFAULT_CHECKPOINT_EVERY_EVENTS } from './audit/checkpointer.js';
import { headFilePath } from './audit/checkpoint-store.js';
import { inspectGuards } from './audit/guards.js';
import { auditKeyPath, AuditKeyError, publicCheckKey, readAuditKeyFile } from './audit/signing-key.js';
import { verifyArchiveFile } from './audit/retention.js';
import { checkIntegrity } from './audit/startup-check.js';
import { STORE_FILE_NAME } from './store/sqlite-store.js';

const USAGE = 'usage: npm run audit:verify -- <data dir | jit.sqlite | archive.jsonl> [--key-file FILE | --public-key BASE64|PEM-FILE]\n       npm run audit:verify -- --print-key [data dir] [--key-file FILE]\n';

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

function positional(argv: string[]): string | undefined {
  return argv.find((a, i) => !a.startsWith('-') && !['--key-file', '--public-key'].includes(argv[i - 1] ?? ''));
}

async function main(argv: string[]): Promise<number> {
  const target = positional(argv);
  const dataDir = target ? resolve(target.endsWith('.sqlite') ? dirname(target) : target) : undefined;
  const keyFile = option(argv, '--key-file') ?? (dataDir || process.env.JIT_AUDIT_KEY_FILE ? auditKeyPath(dataDir ?? '.', process.env) : undefined);

  if (argv.includes('--print-key')) {
    if (!keyFile) {
      process.stderr.write(USAGE);
      return 2;
    }
    const signer = readAuditKeyFile(resolve(keyFile));
    process.stdout.write(`audit signing key ${signer.path}\nalgorithm Ed25519\nkey id ${signer.keyId}\npublic key (base64, raw) ${signer.publicKey}\n${signer.publicKeyPem}`);
    return 0;
  }
  if (!target || !dataDir) {
    process.stderr.write(USAGE);
    return 2;
  }
  // An archive file (npm run audit:archive): its seal, its chain and the checkpoints it carries.
  if (target.endsWith('.jsonl')) {
    const given = option(argv, '--public-key');
    const archiveKeyFile = option(argv, '--key-file') ?? process.env.JIT_AUDIT_KEY_FILE;
    if (!given && !archiveKeyFile) {
      process.stderr.write('verifying an archive needs the audit public key: --public-key (GET /api/v1/audit/public-key) or --key-file\n');
      return 2;
    }
    const archiveKey = given ? publicCheckKey(existsSync(given) ? readFileSync(given, 'utf8') : given) : readAuditKeyFile(resolve(archiveKeyFile as string)).checkKey;
    const result = await verifyArchiveFile(resolve(target), [archiveKey]);
    if (result.ok && result.seal) {
      process.stdout.write(`OK archive of ${result.events} events, seq ${result.seal.firstSeq} to ${result.seal.throughSeq}, head ${result.seal.throughHash}\nsealed at ${result.seal.at} with key ${result.seal.keyId}; ${result.checkpoints} signed checkpoints\n`);
      return 0;
    }
    for (const problem of result.problems) process.stdout.write(`FAILED archive: ${problem}\n`);
    return 1;
  }
  const path = resolve(target.endsWith('.sqlite') ? target : join(target, STORE_FILE_NAME));
  if (!existsSync(path)) {
    process.stderr.write(`no audit store at ${path}\n`);
    return 2;
  }
  let key: CheckpointKey;
  let headFile: string | undefined;
  const given = option(argv, '--public-key');
  if (given) {
    key = publicCheckKey(existsSync(given) ? readFileSync(given, 'utf8') : given);
  } else if (keyFile && existsSync(keyFile)) {
    key = readAuditKeyFile(resolve(keyFile)).checkKey;
    headFile = headFilePath(resolve(keyFile));
  } else {
    process.stderr.write(`no audit signing key at ${keyFile}: give the public key with --public-key (GET /api/v1/audit/public-key, or --print-key on the server host)\n`);
    return 2;
  }

  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const guards = inspectGuards(db);
    const { verification: v, mismatches } = await checkIntegrity(db, { keys: [key], ...(headFile ? { headFile } : {}) });
    // A key to verify with is a key that signed: an empty checkpoint table beside a long log is then a finding.
    const everyEvents = Number(process.env.JIT_AUDIT_CHECKPOINT_EVERY_EVENTS) || DEFAULT_CHECKPOINT_EVERY_EVENTS;
    const ledger = inspectCheckpointLedger(db, { keyExisted: true, checkpointTableExisted: checkpointsMigrated(db), everyEvents });
    const failures = [
      ...ledger.map((a) => ({ what: `checkpoints: ${a.kind}`, message: a.message })),
      ...v.problems.map((p) => ({ what: `event ${p.eventId ?? `ae-${p.seq}`} (seq ${p.seq}): ${p.kind === 'chain' && !v.chain.ok ? v.chain.firstProblem.problem : p.kind}`, message: p.message })),
      ...guards.map((g) => ({ what: `guard ${g.trigger}: ${g.was}`, message: `the audit guard trigger ${g.trigger} was ${g.was === 'missing' ? 'dropped' : 'altered'} (the server restores it at its next start)` })),
      ...mismatches.map((m) => ({ what: `state: ${m.kind}`, message: m.message })),
    ];
    const signed = v.signedUpTo ? `signed up to seq ${v.signedUpTo.seq} at ${v.signedUpTo.at} with key ${v.signedUpTo.keyId} (${v.checkpoints} checkpoints); ${v.unsignedTail} event(s) after it, protected by the chain alone` : `no signed checkpoint covers it (${v.checkpoints} checkpoints, key ${key.keyId})`;
    if (failures.length === 0) {
      process.stdout.write(`OK ${v.events} events, head ${v.headHash}\n${signed}\n`);
      return 0;
    }
    for (const f of failures) process.stdout.write(`FAILED at ${f.what}\n  ${f.message}\n`);
    if (!v.chain.ok) process.stdout.write(`${v.events - 1} events before it verified; last good hash ${v.headHash}\n`);
    process.stdout.write(`${signed}\n`);
    return 1;
  } finally {
    db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof AuditKeyError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
