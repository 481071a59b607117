/**
 * Audit benchmark: a fresh replica of the audit log (memory RxDB, no dev-mode, the console's
 * replication path) pulling N events as sealed blocks plus the open tail, as a ratio to the raw floor
 * measured in the same run: the same rows read from the same SQLite file and sent as JSON over
 * loopback in pages of the console's size, parsed by the same process, no replica.
 * N is a million, 50,000 with --quick.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditEventPages } from '../../../renderer/db/audit-reader.js';
import { createJitDatabase } from '../../../renderer/db/database.js';
import { DEFAULT_PULL_BATCH_SIZE, startReplication } from '../../../renderer/db/replication.js';
import { createServer } from '../../../sync-server/app.js';
import type { BenchSuite } from '../types.js';

const ADMIN_PASSWORD = 'bench-audit-password-1';
const SEED_CHUNK = 10_000;

async function rawFloorSeconds(sqlitePath: string): Promise<{ seconds: number; rows: number }> {
  const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const rowsAfter = db.prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?');
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rows = rowsAfter.all(Number(url.searchParams.get('after') ?? 0), DEFAULT_PULL_BATCH_SIZE) as { seq: number; id: string; type: string; actor_id: string; at: string; subject_type: string; subject_id: string; data: string; prev_hash: string; hash: string }[];
    const body = `{"documents":[${rows.map((r) => JSON.stringify({ id: r.id, seq: r.seq, type: r.type, actorId: r.actor_id, at: r.at, subjectType: r.subject_type, subjectId: r.subject_id, data: JSON.parse(r.data) as unknown, prevHash: r.prev_hash, hash: r.hash, _deleted: false })).join(',')}],"last":${rows.at(-1)?.seq ?? 0}}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const start = performance.now();
    let after = 0;
    let count = 0;
    for (;;) {
      const page = (await (await fetch(`${base}/raw?after=${after}`)).json()) as { documents: unknown[]; last: number };
      count += page.documents.length;
      if (page.documents.length < DEFAULT_PULL_BATCH_SIZE) break;
      after = page.last;
    }
    return { seconds: (performance.now() - start) / 1000, rows: count };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    db.close();
  }
}

const suite: BenchSuite = {
  name: 'audit',
  async run(ctx) {
    const events = ctx.quick ? 50_000 : 1_000_000;
    const dataDir = mkdtempSync(join(tmpdir(), 'jit-bench-audit-'));
    const server = await createServer({ dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', webRoot: join(dataDir, 'no-web') });
    try {
      const url = await server.listen(0, '127.0.0.1');
      const at = new Date().toISOString();
      const seedStart = performance.now();
      const { store } = server;
      const target = store.auditHead().seq + events;
      while (store.auditHead().seq < target) {
        store.tx(() => {
          for (let i = 0; i < SEED_CHUNK && store.auditHead().seq < target; i++) store.appendAudit({ type: 'request.created', actorId: 'u-bench', subjectType: 'request', subjectId: `r-${i}`, data: { i, resourceId: 'res-bench' }, at });
        });
      }
      ctx.log(`seeded ${events} audit events in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
      const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
      const { token } = (await login.json()) as { token: string };
      // After the sign-in, which is an event too.
      const head = store.auditHead().seq;

      const rawBefore = await rawFloorSeconds(store.path);
      if (rawBefore.rows !== head) throw new Error(`raw floor read ${rawBefore.rows} rows, the log has ${head}`);
      const db = await createJitDatabase({ name: 'bench-audit-pull', storage: 'memory', collections: ['audit'] });
      const replication = startReplication(db, { serverUrl: url, token });
      let pullSeconds: number;
      let documents: number;
      try {
        const start = performance.now();
        await replication.awaitInSync();
        pullSeconds = (performance.now() - start) / 1000;
        documents = await db.audit.count().exec();
        let held = 0;
        for await (const page of auditEventPages(db)) held += page.length;
        if (held !== head) throw new Error(`the replica holds ${held} audit events; the server has ${head}`);
      } finally {
        await replication.cancel();
        await db.remove();
      }
      const rawAfter = await rawFloorSeconds(store.path);
      // The faster of two runs (cold and warm cache) is the floor: the ratio errs on the unflattering side.
      const floor = Math.min(rawBefore.seconds, rawAfter.seconds);
      const label = events >= 1_000_000 ? `${events / 1_000_000}m` : `${events / 1000}k`;
      ctx.report(`pull_${label}_events_seconds`, pullSeconds, 's', null, 'lower');
      ctx.report('pull_documents', documents, 'docs', null, 'lower');
      ctx.report('raw_floor_seconds', floor, 's', null, 'lower');
      ctx.report('pull_ratio_to_raw_floor', pullSeconds / floor, 'x', 2, 'lower');
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default suite;
