import { chmodSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditCheckpoint, checkpointMessage, verifyAuditLog, type CheckpointKey } from '../../core/index.js';
import { createServer } from '../../sync-server/app.js';
import { readCheckpoints } from '../../sync-server/audit/checkpoint-store.js';
import { auditVerifyCli } from './helpers/audit-tamper.js';
import { http, makeTempDataDir, startTestServer, TEST_ADMIN_PASSWORD } from './helpers/server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The console's way: WebCrypto Ed25519 with the raw public key the server publishes. */
async function webCryptoKey(publicKeyBase64: string, keyId: string): Promise<CheckpointKey> {
  const key = await crypto.subtle.importKey('raw', Buffer.from(publicKeyBase64, 'base64'), { name: 'Ed25519' }, false, ['verify']);
  return { keyId, verify: (message, signature) => crypto.subtle.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>) };
}

const appendEvents = (store: Awaited<ReturnType<typeof startTestServer>>['store'], count: number, at: string) =>
  store.tx(() => {
    for (let i = 0; i < count; i++) store.appendAudit({ type: 'task.reminded', actorId: 'system', subjectType: 'task', subjectId: `t-${i}`, data: { i }, at });
  });

describe('the audit signing key', () => {
  it('is generated on first start as a 0600 file, published at /audit/public-key and printed by audit:verify --print-key', async () => {
    const srv = await startTestServer({ keepDataDir: true });
    dirs.push(srv.dataDir);
    const keyFile = join(srv.dataDir, 'audit-signing.key');
    try {
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(readFileSync(join(srv.dataDir, 'jit.sqlite')).includes(Buffer.from('BEGIN PRIVATE KEY'))).toBe(false);
      const anyone = await srv.login('admin');
      const res = await http('GET', `${srv.url}/api/v1/audit/public-key`, { token: anyone });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ algorithm: 'Ed25519', keyId: expect.stringMatching(/^[0-9a-f]{16}$/), publicKeyPem: expect.stringMatching(/BEGIN PUBLIC KEY/) });
      expect(Buffer.from(res.body.publicKey, 'base64')).toHaveLength(32);
      expect((await http('GET', `${srv.url}/api/v1/audit/public-key`)).status).toBe(401);

      const printed = auditVerifyCli(['--print-key', srv.dataDir]);
      expect(printed.code).toBe(0);
      expect(printed.out).toContain(`key id ${res.body.keyId}`);
      expect(printed.out).toContain(res.body.publicKey);
    } finally {
      await srv.close();
    }
    // The same key at the next start: checkpoints signed before still verify.
    const again = await startTestServer({ dataDir: srv.dataDir });
    try {
      const res = await http('GET', `${again.url}/api/v1/audit/public-key`, { token: again.adminToken });
      expect(res.body.keyId).toBe(again.server.audit.signer.keyId);
      expect(again.server.audit.generatedKey).toBe(false);
    } finally {
      await again.close();
    }
  });

  it('refuses to start when the key file is readable by its group or others', async () => {
    const dataDir = makeTempDataDir();
    dirs.push(dataDir);
    const first = await startTestServer({ dataDir });
    await first.close();
    const keyFile = join(dataDir, 'audit-signing.key');
    chmodSync(keyFile, 0o640);
    await expect(createServer({ dataDir, logLevel: 'silent', adminPassword: TEST_ADMIN_PASSWORD })).rejects.toThrow(/audit-signing\.key has mode 0640.*chmod 600/);
    chmodSync(keyFile, 0o600);
    const fine = await createServer({ dataDir, logLevel: 'silent', adminPassword: TEST_ADMIN_PASSWORD });
    await fine.close();
  });
});

describe('checkpoints', () => {
  it('are signed every N events and when the oldest unsigned event is M minutes old (injected clock), and verify with WebCrypto', async () => {
    let clock = Date.parse('2026-03-02T09:00:00.000Z');
    const srv = await startTestServer({ now: () => new Date(clock), audit: { checkpointEveryEvents: 10, checkpointEveryMinutes: 5, tickMs: 0 } });
    try {
      const audit = srv.server.audit;
      const checkpoints = () => readCheckpoints(srv.store.db);
      // The start signs what was there; the admin's creation came after: 2 events, unsigned yet.
      const atStart = checkpoints().length;
      const head = () => srv.store.auditHead().seq;

      // Count rule: the commit that leaves 10 events unsigned signs the head.
      appendEvents(srv.store, 10 - (head() - (audit.checkpointer.last()?.seq ?? 0)) - 1, new Date(clock).toISOString());
      expect(checkpoints()).toHaveLength(atStart);
      appendEvents(srv.store, 1, new Date(clock).toISOString());
      expect(checkpoints()).toHaveLength(atStart + 1);
      expect(checkpoints().at(-1)).toMatchObject({ seq: head(), hash: srv.store.auditHead().hash, keyId: audit.signer.keyId });

      // Time rule: 3 events, then 4 minutes 59 seconds: not yet; 5 minutes after the oldest: signed.
      appendEvents(srv.store, 3, new Date(clock).toISOString());
      clock += 4 * 60_000 + 59_000;
      expect(audit.checkpointer.tick()).toBeNull();
      clock += 1_000;
      const timed = audit.checkpointer.tick();
      expect(timed).toMatchObject({ seq: head(), at: new Date(clock).toISOString() });
      expect(checkpoints()).toHaveLength(atStart + 2);
      // Nothing new: no checkpoint however long it waits.
      clock += 60 * 60_000;
      expect(audit.checkpointer.tick()).toBeNull();

      // The console's check: WebCrypto with the published key, through core.
      const published = await http('GET', `${srv.url}/api/v1/audit/public-key`, { token: srv.adminToken });
      const key = await webCryptoKey(published.body.publicKey, published.body.keyId);
      const all = checkpoints().map((cp) => AuditCheckpoint.parse(cp));
      const verified = await verifyAuditLog(srv.store.auditEvents(), all, { keys: [key] });
      expect(verified).toMatchObject({ ok: true, signedUpTo: { seq: head() }, unsignedTail: 0 });
      // The signed bytes are the documented lines.
      expect(new TextDecoder().decode(checkpointMessage(timed as AuditCheckpoint))).toBe(`jit-audit-checkpoint v1\nseq ${timed?.seq}\nhash ${timed?.hash}\nat ${timed?.at}\nkey ${timed?.keyId}\n`);
      // A checkpoint altered by one character no longer verifies.
      const forged = { ...(timed as AuditCheckpoint), at: '2026-03-02T09:06:00.000Z' };
      expect((await verifyAuditLog(srv.store.auditEvents(), [...all.slice(0, -1), forged], { keys: [key] })).problems).toEqual([expect.objectContaining({ kind: 'bad_signature', seq: forged.seq })]);

      // Any console fetches them to keep as a witness: paged by seq.
      const requester = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { username: 'rita', password: 'correct-horse-staple-42', displayName: 'Rita', roles: ['requester'] } });
      expect(requester.status).toBe(201);
      const ritaToken = await srv.login('rita', 'correct-horse-staple-42');
      const listed = await http('GET', `${srv.url}/api/v1/audit/checkpoints`, { token: ritaToken });
      expect(listed.body).toEqual({ checkpoints: checkpoints(), keyId: audit.signer.keyId });
      const page = await http('GET', `${srv.url}/api/v1/audit/checkpoints?after=${all.at(-2)?.seq}&limit=5`, { token: ritaToken });
      expect(page.body.checkpoints).toEqual([timed]);

      const status = await http('GET', `${srv.url}/api/v1/audit/status`, { token: srv.adminToken });
      expect(status.body).toMatchObject({ alert: false, alerts: [], strict: false, rules: { everyEvents: 10, everyMinutes: 5 }, lastCheckpoint: timed });
      const verify = await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken });
      expect(verify.body).toMatchObject({ ok: true, headSeq: head(), problems: [], mismatches: [] });
    } finally {
      await srv.close();
    }
  });

  it('signs the head when the server closes, so its last events are covered', async () => {
    const srv = await startTestServer({ keepDataDir: true, audit: { tickMs: 0 } });
    dirs.push(srv.dataDir);
    appendEvents(srv.store, 3, new Date().toISOString());
    const head = srv.store.auditHead();
    await srv.close();
    const cli = auditVerifyCli([srv.dataDir]);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(`OK ${head.seq} events, head ${head.hash}`);
    expect(cli.out).toMatch(new RegExp(`signed up to seq ${head.seq} at .* 0 event\\(s\\) after it`));
  });
});
