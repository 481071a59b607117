/**
 * An evidence pack carries a checkpoint the real server signed: the audit events as a replica pulls
 * them over the sync protocol, the checkpoints and key from the REST API, the pack made by the
 * console's code, and npm run evidence:verify (a child process) checking the signature.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../core/index.js';
import { generateEvidencePack } from '../../renderer/features/evidence/evidence-pack.js';
import { http, REPO_ROOT, startTestServer } from './helpers/server.js';

const work = mkdtempSync(path.join(tmpdir(), 'evidence-int-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function pullAudit(url: string, token: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let checkpoint = { seq: 0, id: '' };
  for (;;) {
    const res = await http<{ documents: (AuditEvent & { _deleted: boolean })[]; checkpoint: { seq: number; id: string } }>('GET', `${url}/sync/v1/audit/pull?seq=${checkpoint.seq}&id=${encodeURIComponent(checkpoint.id)}&batchSize=500`, { token });
    expect(res.status).toBe(200);
    if (res.body.documents.length === 0) return events;
    for (const { _deleted, ...doc } of res.body.documents) if (!_deleted) events.push(doc);
    checkpoint = res.body.checkpoint;
  }
}

describe('an evidence pack with a server-signed checkpoint', () => {
  it('carries the latest checkpoint its replica holds, and the CLI verifies its signature', async () => {
    const srv = await startTestServer({ audit: { checkpointEveryEvents: 5, checkpointEveryMinutes: 5, tickMs: 0 } });
    try {
      const at = new Date().toISOString();
      srv.store.tx(() => {
        for (let i = 0; i < 12; i++) srv.store.appendAudit({ type: 'task.reminded', actorId: 'system', subjectType: 'task', subjectId: `t-${i}`, data: { i }, at });
      });
      const audit = await pullAudit(srv.url, srv.adminToken);
      const { checkpoints } = (await http('GET', `${srv.url}/api/v1/audit/checkpoints?after=0`, { token: srv.adminToken })).body as { checkpoints: { seq: number; hash: string; at: string; keyId: string; signature: string }[] };
      const key = (await http('GET', `${srv.url}/api/v1/audit/public-key`, { token: srv.adminToken })).body as { keyId: string; publicKey: string };
      expect(checkpoints.length).toBeGreaterThan(0);
      const heldUpTo = Math.max(...audit.map((e) => e.seq));
      const expected = checkpoints.filter((c) => c.seq <= heldUpTo).at(-1)!;

      const now = Date.now();
      const pack = await generateEvidencePack({
        data: { requests: [], grants: [], verifications: [], audit, resources: [], users: [] },
        period: { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 86_400_000).toISOString(), label: 'today' },
        generatedAt: new Date(now).toISOString(),
        generatedBy: { id: 'u-admin', username: 'admin', displayName: 'Administrator' },
        server: srv.url,
        checkpoints,
        publicKey: { keyId: key.keyId, publicKey: key.publicKey },
        bom: false,
      });
      expect(pack.manifest.audit.checkpoint).toEqual(expected);
      expect(pack.manifest.audit.publicKey?.keyId).toBe(srv.server.audit.signer.keyId);
      const zip = path.join(work, pack.fileName);
      writeFileSync(zip, pack.zip);
      const run = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['cli/evidence-verify.ts', zip], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(run.stdout).toContain(`Checkpoint signature valid for key ${key.keyId}`);
      expect(run.stdout).toContain('OK: 4 files match manifest.json');
      expect(run.status).toBe(0);
    } finally {
      await srv.close();
    }
  });
});
