/**
 * Evidence benchmark: an auditor's replica holding a year of history (a million audit events,
 * 20,000 requests with their grants and receipts; --quick: 50,000 events, 2,000 requests), pulled
 * from a real server over the console's replication, then one quarter's evidence pack made from it
 * as the Evidence screen makes it: read the replica, figures, CSVs, PDF, manifest, zip, with the
 * server's signed checkpoints (the head signed after every 10,000 seeded events).
 *
 * Figures: the pack's seconds (target <= 60) and the memory it takes at its peak on top of the
 * replica already held (target <= 1 GiB). This replica lives in memory storage where the desktop
 * app keeps it on disk, so the replica's own size is reported apart and not counted against the pack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessRequest, AuditEvent, Grant, Verification } from '../../../core/index.js';
import { makeGrant, makeResource, makeUser } from '../../../core/test-fixtures.js';
import { createJitDatabase } from '../../../renderer/db/database.js';
import { startReplication } from '../../../renderer/db/replication.js';
import type { PackCheckpoint, PackPublicKey } from '../../../core/evidence/manifest.js';
import { generateEvidencePack } from '../../../renderer/features/evidence/evidence-pack.js';
import { readReplica } from '../../../renderer/features/evidence/read-replica.js';
import { createServer } from '../../../sync-server/app.js';
import type { Store } from '../../../sync-server/store/types.js';
import type { BenchSuite } from '../types.js';

const ADMIN_PASSWORD = 'bench-evidence-password-1';
const YEAR_FROM = Date.parse('2026-01-01T00:00:00.000Z');
const YEAR_MS = 365 * 86_400_000;
const QUARTER = { from: '2026-07-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z', label: 'Q3 2026' };
const RESOURCES = 50;
const PEOPLE = 500;
const CHUNK = 10_000;
const MIN = 60_000;
const MB = 2 ** 20;

const iso = (ms: number) => new Date(ms).toISOString();
const EVENT_TYPES: AuditEvent['type'][] = ['request.created', 'request.approved', 'grant.provisioned', 'grant.effective_verified', 'grant.revoked', 'grant.revocation_verified', 'auth.login_succeeded'];

/** One request per slot over the year, approved after a few minutes; its grant ended at expiry, a few late, a few failed. */
function seedAccess(store: Store, requests: number): void {
  for (let start = 0; start < requests; start += CHUNK) {
    store.tx(() => {
      for (let i = start; i < Math.min(requests, start + CHUNK); i++) {
        const createdMs = YEAR_FROM + Math.floor((i * YEAR_MS) / requests);
        const decidedAt = iso(createdMs + (2 + (i % 40)) * MIN);
        const requesterId = `u-p${i % PEOPLE}`;
        const resourceId = `res-b${i % RESOURCES}`;
        const expiresMs = Date.parse(decidedAt) + 120 * MIN;
        const request: AccessRequest = {
          id: `r-b${i}`, requesterId, resourceId, status: 'approved', durationMinutes: 120, justification: `ticket work ${i}`, ticket: `CHG-${i}`, policy: null,
          currentStep: 0, riskScore: i % 100, outcomeReason: '', grantId: `g-b${i}`, extendsGrantId: null, createdAt: iso(createdMs), updatedAt: decidedAt, decidedAt, expiresAt: iso(expiresMs), revision: 2,
          decisions: [{ stepIndex: 0, approverId: `u-p${(i + 1) % PEOPLE}`, decision: 'approve', reason: '', decidedAt, breakGlass: false }],
        };
        const failed = i % 997 === 0;
        const latenessMs = i % 53 === 0 ? 20 * MIN : 30_000;
        const grant: Grant = makeGrant({
          id: `g-b${i}`, requestId: request.id, userId: requesterId, resourceId, approvedAt: decidedAt, startsAt: decidedAt, expiresAt: iso(expiresMs),
          provisionedAt: decidedAt, effectiveAt: decidedAt, revokeRequestedAt: iso(expiresMs), endedBy: 'system', endedReason: 'expired', updatedAt: iso(expiresMs + latenessMs),
          ...(failed ? { status: 'revoke_failed', attempts: 5, lastError: 'Graph answered 503', verification: 'still_present' } : { status: 'verified', revokedAt: iso(expiresMs + latenessMs), latenessMs, verifiedAt: iso(expiresMs + latenessMs), verification: 'gone' }),
        } as Partial<Grant>);
        const receipt: Verification = {
          id: `v-b${i}`, grantId: grant.id, purpose: 'revocation', result: failed ? 'still_present' : 'gone', connector: 'entra', endpoint: `https://graph.example/v1.0/groups/g-${i % RESOURCES}/members`,
          reads: [], consistentReads: 3, transitiveChecked: true, startedAt: iso(expiresMs), finishedAt: iso(expiresMs + latenessMs),
        };
        store.put('requests', request);
        store.put('grants', grant);
        store.put('verifications', receipt);
      }
    });
  }
}

/** The events, with the head signed after each chunk as the live server signs it every 1,000 events or 5 minutes. */
function seedAudit(store: Store, events: number, sign: () => void): void {
  const target = store.auditHead().seq + events;
  let i = 0;
  while (store.auditHead().seq < target) {
    store.tx(() => {
      for (let n = 0; n < CHUNK && store.auditHead().seq < target; n++, i++) {
        const type = EVENT_TYPES[i % EVENT_TYPES.length]!;
        const onGrant = type.startsWith('grant.');
        store.appendAudit({
          type, actorId: type === 'auth.login_succeeded' ? `u-p${i % PEOPLE}` : 'system', at: iso(YEAR_FROM + Math.floor((i * YEAR_MS) / events)),
          subjectType: onGrant ? 'grant' : type === 'auth.login_succeeded' ? 'account' : 'request', subjectId: onGrant ? `g-b${i % 20_000}` : `r-b${i % 20_000}`,
          data: { resourceId: `res-b${i % RESOURCES}` },
        });
      }
    });
    sign();
  }
}

const suite: BenchSuite = {
  name: 'evidence',
  async run(ctx) {
    const events = ctx.quick ? 50_000 : 1_000_000;
    const requests = ctx.quick ? 2_000 : 20_000;
    const dataDir = mkdtempSync(join(tmpdir(), 'jit-bench-evidence-'));
    const server = await createServer({ dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', webRoot: join(dataDir, 'no-web') });
    try {
      const url = await server.listen(0, '127.0.0.1');
      const { store } = server;
      const seeding = performance.now();
      store.tx(() => {
        for (let i = 0; i < PEOPLE; i++) store.put('users', makeUser({ id: `u-p${i}`, displayName: `Person ${i}`, updatedAt: iso(YEAR_FROM) }));
        for (let i = 0; i < RESOURCES; i++) store.put('resources', makeResource({ id: `res-b${i}`, name: `Bench resource ${i}`, target: { externalId: `g-${i}` }, ownerId: 'u-p0', updatedAt: iso(YEAR_FROM) }));
      });
      seedAccess(store, requests);
      seedAudit(store, events, () => server.audit.checkpointer.checkpointNow());
      ctx.log(`seeded ${events} audit events and ${requests} requests, grants and receipts in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

      const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
      const { token } = (await login.json()) as { token: string };
      const rssBefore = process.memoryUsage().rss;
      const db = await createJitDatabase({ name: 'bench-evidence', storage: 'memory', collections: ['audit', 'requests', 'grants', 'verifications', 'resources', 'users'] });
      const replication = startReplication(db, { serverUrl: url, token });
      try {
        const pulling = performance.now();
        await replication.awaitInSync();
        await replication.cancel();
        ctx.log(`replica in sync in ${((performance.now() - pulling) / 1000).toFixed(1)} s`);
        // The signed checkpoints and key as the console fetches them while online.
        const checkpoints: PackCheckpoint[] = [];
        for (let after = 0; ; ) {
          const page = (await (await fetch(`${url}/api/v1/audit/checkpoints?after=${after}&limit=1000`, { headers: { authorization: `Bearer ${token}` } })).json()) as { checkpoints: PackCheckpoint[] };
          if (page.checkpoints.length === 0) break;
          checkpoints.push(...page.checkpoints);
          after = page.checkpoints.at(-1)!.seq;
        }
        const publicKey = (await (await fetch(`${url}/api/v1/audit/public-key`, { headers: { authorization: `Bearer ${token}` } })).json()) as PackPublicKey;
        ctx.log(`${checkpoints.length} signed checkpoints`);
        const users = (await db.users.find().exec()).map((d) => ({ id: d.id, username: d.username, displayName: d.displayName }));
        const rssReplica = process.memoryUsage().rss;
        ctx.report('replica_rss_mb', (rssReplica - rssBefore) / MB, 'MiB', null, 'lower');

        // Peak memory: sampled between the pack's steps and on a timer, and the process's own peak
        // counter where the pack set a new one (a synchronous step hides from the timer).
        let peak = rssReplica;
        const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
        const timer = setInterval(sample, 5);
        const maxRssBefore = process.resourceUsage().maxRSS * 1024;
        const started = performance.now();
        const data = await readReplica(db);
        sample();
        // Where the time goes, step by step (progress lines, not figures).
        const steps: string[] = [`read replica ${((performance.now() - started) / 1000).toFixed(1)} s`];
        let stepStart = performance.now();
        let stepName = '';
        const onProgress = ({ step }: { step: string }) => {
          sample();
          if (stepName) steps.push(`${stepName} ${((performance.now() - stepStart) / 1000).toFixed(1)} s`);
          stepName = step;
          stepStart = performance.now();
        };
        const pack = await generateEvidencePack(
          { data: { ...data, users }, period: QUARTER, generatedAt: new Date().toISOString(), generatedBy: { id: 'u-admin', username: 'admin', displayName: 'Administrator' }, server: url, checkpoints, publicKey: { keyId: publicKey.keyId, publicKey: publicKey.publicKey }, bom: false },
          { onProgress },
        );
        steps.push(`${stepName} ${((performance.now() - stepStart) / 1000).toFixed(1)} s`);
        ctx.log(steps.join(', '));
        const seconds = (performance.now() - started) / 1000;
        clearInterval(timer);
        sample();
        const maxRssAfter = process.resourceUsage().maxRSS * 1024;
        if (maxRssAfter > maxRssBefore) peak = Math.max(peak, maxRssAfter);
        ctx.log(`pack ${pack.fileName}: ${pack.rows} rows, ${(pack.zip.byteLength / MB).toFixed(1)} MiB zipped`);
        if (pack.rows === 0) throw new Error('the quarter holds no rows: the seed and the period disagree');
        if (!pack.manifest.audit.checkpoint) throw new Error('the pack carries no signed checkpoint: the seed signed none after the quarter');
        ctx.report('pack_quarter_seconds', seconds, 's', 60, 'lower');
        ctx.report('pack_peak_extra_mb', (peak - rssReplica) / MB, 'MiB', 1024, 'lower');
        ctx.report('pack_rows', pack.rows, 'rows', null, 'higher');
      } finally {
        await replication.cancel();
        await db.remove();
      }
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default suite;
