/**
 * Older audit history on demand, over HTTP against a real server (demo organisation, real SQLite):
 * with one recent block, a requester's and an approver's fresh replica start after the horizon, and
 * GET /sync/v1/audit/blocks gives them the older sealed blocks with only the events their
 * per-role replication lets them see (the rest withheld, never sent); an auditor gets whole blocks.
 * Each block links to the chain (checkOlderBlock); an edited event or a block that does not link is
 * refused. No token, a `through` that is no sealed block's end, or too many blocks are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_BLOCK_SIZE, type AccountRole, type AuditEvent } from '../../core/index.js';
import { checkOlderBlock, type OlderBlocksPage } from '../../core/audit/older-blocks.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
const before = process.env.JIT_AUDIT_RECENT_BLOCKS;
let bobRequest = '';

function setRoles(username: string, roles: AccountRole[]): void {
  const account = srv.store.getAccountByUsername(username);
  if (!account) throw new Error(`no demo account ${username}`);
  srv.store.updateAccount(account.id, { roles });
}

beforeAll(async () => {
  process.env.JIT_AUDIT_RECENT_BLOCKS = '1';
  srv = await startTestServer({ seedDemo: true, audit: { tickMs: 0 } });
  setRoles('bob', ['requester']);
  setRoles('alice', ['approver']);
  setRoles('heidi', ['auditor']);
  const requests = srv.store.pull('requests', { seq: 0, id: '' }, 10_000).documents as Array<{ id: string; requesterId: string }>;
  bobRequest = requests.find((r) => r.requesterId === 'u-bob')!.id;
  // Three sealed blocks and a tail: Bob's request, someone else's, and a policy, in turn.
  const subjects = [
    ['request', bobRequest],
    ['request', 'req-older-someone-else'],
    ['policy', 'pol-older-blocks'],
  ] as const;
  const target = 3 * AUDIT_BLOCK_SIZE + 250;
  srv.store.tx(() => {
    for (let i = 0; srv.store.auditHead().seq < target; i++) {
      const [subjectType, subjectId] = subjects[i % 3]!;
      srv.store.appendAudit({ type: subjectType === 'policy' ? 'policy.changed' : 'request.approval_recorded', actorId: 'system', subjectType, subjectId, data: { i }, at: new Date().toISOString() });
    }
  });
});
afterAll(async () => {
  await srv.close();
  if (before === undefined) delete process.env.JIT_AUDIT_RECENT_BLOCKS;
  else process.env.JIT_AUDIT_RECENT_BLOCKS = before;
});

const blocksUrl = (query: string) => `${srv.url}/sync/v1/audit/blocks${query}`;
const all = () => [...srv.store.auditEvents()] as AuditEvent[];
const HORIZON = 2 * AUDIT_BLOCK_SIZE;

/** Every block of a page checked against the chain, newest first, from the page's anchor. */
function checkPage(page: OlderBlocksPage): string {
  let anchor = page.anchor;
  for (const block of page.blocks) {
    const check = checkOlderBlock(block, anchor);
    if (!check.ok) throw new Error(check.message);
    anchor = check.anchor;
  }
  return anchor.hash;
}

describe('older audit blocks on demand', () => {
  it('a requester pulls only after the horizon, and gets the older blocks with only the events about her own requests', async () => {
    const token = await srv.login('bob');
    const fresh = await http<{ documents: AuditEvent[] }>('GET', `${srv.url}/sync/v1/audit/pull?seq=0&id=&batchSize=5000`, { token });
    expect(fresh.status).toBe(200);
    expect(fresh.body.documents.length).toBeGreaterThan(0);
    expect(Math.min(...fresh.body.documents.map((d) => d.seq))).toBeGreaterThan(HORIZON);

    const head = await http<OlderBlocksPage>('GET', blocksUrl('?limit=0'), { token });
    expect(head.body).toMatchObject({ horizon: HORIZON, blocks: [], remaining: 2 });

    const page = await http<OlderBlocksPage>('GET', blocksUrl('?limit=5'), { token });
    expect(page.status).toBe(200);
    expect(page.body.blocks.map((b) => b.id)).toEqual([`ab-${AUDIT_BLOCK_SIZE + 1}`, 'ab-1']);
    expect(page.body.remaining).toBe(0);
    expect(page.body.anchor).toEqual({ seq: HORIZON, hash: all()[HORIZON - 1]!.hash });
    const mine = new Set(srv.store.pull('requests', { seq: 0, id: '' }, 10_000).documents.filter((r) => (r as { requesterId: string }).requesterId === 'u-bob').map((r) => r.id));
    const grants = new Set(srv.store.pull('grants', { seq: 0, id: '' }, 10_000).documents.filter((g) => (g as { userId: string }).userId === 'u-bob').map((g) => g.id));
    const visible = (e: AuditEvent) => (e.subjectType === 'request' && mine.has(e.subjectId)) || (e.subjectType === 'grant' && grants.has(e.subjectId));
    const sent = page.body.blocks.flatMap((b) => b.events);
    expect(sent.map((e) => e.seq).sort((a, b) => a - b)).toEqual(all().filter((e) => e.seq <= HORIZON && visible(e)).map((e) => e.seq));
    expect(sent.some((e) => e.subjectId === 'req-older-someone-else' || e.subjectType === 'policy')).toBe(false);
    expect(page.body.blocks[0]!.withheld).toBeGreaterThan(600);
    expect(checkPage(page.body)).toBe(all()[0]!.prevHash);
  });

  it('an approver gets the access events of every request, not the configuration ones; an auditor whole blocks', async () => {
    const alice = await http<OlderBlocksPage>('GET', blocksUrl('?limit=1'), { token: await srv.login('alice') });
    const events = alice.body.blocks[0]!.events;
    expect(events.some((e) => e.subjectId === 'req-older-someone-else')).toBe(true);
    expect(events.some((e) => e.subjectType === 'policy')).toBe(false);
    checkPage(alice.body);

    const heidi = await http<OlderBlocksPage>('GET', blocksUrl(`?through=${3 * AUDIT_BLOCK_SIZE}&limit=3`), { token: await srv.login('heidi') });
    expect(heidi.body.blocks.map((b) => [b.events.length, b.withheld])).toEqual([
      [AUDIT_BLOCK_SIZE, 0],
      [AUDIT_BLOCK_SIZE, 0],
      [AUDIT_BLOCK_SIZE, 0],
    ]);
    expect(checkPage(heidi.body)).toBe(all()[0]!.prevHash);
  });

  it('refuses a block whose event was edited or that does not link to the history after it', async () => {
    const page = (await http<OlderBlocksPage>('GET', blocksUrl('?limit=2'), { token: await srv.login('heidi') })).body;
    const [newer, older] = page.blocks;
    const edited = { ...newer!, events: newer!.events.map((e) => (e.seq === newer!.firstSeq + 5 ? { ...e, data: { i: 'changed' } } : e)) };
    expect(checkOlderBlock(edited, page.anchor)).toMatchObject({ ok: false, message: expect.stringContaining(`event ${newer!.firstSeq + 5} was edited`) });
    // The older block where the newer one belongs: it ends elsewhere, and its hash is not the anchor's.
    expect(checkOlderBlock(older!, page.anchor)).toMatchObject({ ok: false, message: expect.stringContaining(`must end at event ${page.anchor.seq}`) });
    expect(checkOlderBlock(older!, { seq: older!.lastSeq, hash: page.anchor.hash })).toMatchObject({ ok: false, message: expect.stringContaining('is not the previous-block hash of the history after it') });
    const dropped = { ...newer!, events: newer!.events.filter((e) => e.seq !== newer!.firstSeq + 9) };
    expect(checkOlderBlock(dropped, page.anchor)).toMatchObject({ ok: false });
  });

  it('denies by default: no token, a through that ends no sealed block or lies beyond the sealed ones, too many blocks', async () => {
    expect((await http('GET', blocksUrl(''))).status).toBe(401);
    const bob = await srv.login('bob');
    const odd = await http<{ error: { message: string } }>('GET', blocksUrl('?through=1500'), { token: bob });
    expect(odd.status).toBe(400);
    expect(odd.body.error.message).toContain('through must be the last event of a sealed block');
    expect((await http('GET', blocksUrl(`?through=${10 * AUDIT_BLOCK_SIZE}`), { token: bob })).status).toBe(400);
    expect((await http('GET', blocksUrl('?limit=11'), { token: bob })).status).toBe(400);
  });
});
