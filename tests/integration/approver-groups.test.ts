/**
 * Approver groups through the real server: a step names a directory group; a member of it (Dave,
 * who holds only the requester role) receives the request in his replica, sees it in his queue
 * (GET /api/v1/me names his groups) and approves it over REST; someone outside the group is refused
 * with a sentence naming it; the requester, a member too, never decides his own. Saving an all-of
 * step with a group, or a group that does not exist, is refused on the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPath, type AccessRequest } from '../../core/index.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
const at = () => new Date().toISOString();
const tokens: Record<string, string> = {};

const ask = (token: string, body: Record<string, unknown>) => http<AccessRequest & { error?: { code: string; message: string } }>('POST', `${srv.url}/api/v1/requests`, { token, body });
const command = (token: string, type: string, payload: Record<string, unknown>) =>
  // Applied: the result itself; refused: { error, result }.
  http<{ status?: string; result: { status: string; code?: string; message: string } }>('POST', `${srv.url}/api/v1/commands`, { token, body: { type, payload } });

/** A whole pull of one collection as this reader, as replication reads it. */
async function pullAll(token: string, collection: 'requests' | 'users'): Promise<{ ids: string[]; view: string }> {
  const ids: string[] = [];
  let checkpoint = { seq: 0, id: '' };
  for (;;) {
    const res = await http<{ documents: { id: string }[]; checkpoint: { seq: number; id: string } | null; view: string }>(
      'GET',
      `${srv.url}${syncPath(collection, 'pull')}?seq=${checkpoint.seq}&id=${encodeURIComponent(checkpoint.id)}&batchSize=100`,
      { token },
    );
    expect(res.status).toBe(200);
    ids.push(...res.body.documents.map((d) => d.id));
    if (res.body.documents.length < 100 || !res.body.checkpoint) return { ids, view: res.body.view };
    checkpoint = res.body.checkpoint;
  }
}

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  srv.store.tx(() => {
    srv.store.put('groups', { id: 'grp-sre', displayName: 'SRE on-call', connector: 'entra', externalId: 'sre-oncall', memberUserIds: ['u-dave', 'u-bob'], updatedAt: at() });
    srv.store.put('policies', {
      id: 'pol-sre',
      name: 'On-call approves',
      maxDurationMinutes: 240,
      defaultDurationMinutes: 60,
      requireJustification: false,
      approvalSteps: [{ name: 'On-call SRE', mode: 'any', approverGroupIds: ['grp-sre'] }],
      updatedAt: at(),
    });
    srv.store.put('resources', {
      id: 'res-sre',
      name: 'Production shell',
      kind: 'manual_role',
      connector: 'manual',
      connectorId: 'manual',
      target: { externalId: 'prod-shell' },
      ownerId: 'u-judy',
      sensitivity: 'high',
      policyIds: ['pol-sre'],
      updatedAt: at(),
    });
    srv.store.put('profiles', { id: 'prof-sre', name: 'Everyone asks', resourceIds: ['res-sre'], departments: ['Engineering', 'Finance'], updatedAt: at() });
  });
  for (const user of ['bob', 'dave', 'frank', 'alice']) tokens[user] = await srv.login(user);
});
afterAll(async () => {
  await srv?.close();
});

describe('a step naming a directory group', () => {
  it('replicates the request to a member who holds only the requester role, and not to someone outside the group', async () => {
    const asked = await ask(tokens.frank!, { requestId: 'r-sre-frank', resourceId: 'res-sre' });
    expect(asked.status).toBe(201);
    expect(asked.body.policy?.approvalSteps[0]).toMatchObject({ approverGroupIds: ['grp-sre'] });

    const dave = await pullAll(tokens.dave!, 'requests');
    expect(dave.ids).toContain('r-sre-frank');
    // The requester's name comes with it, for his queue row.
    const daveUsers = await pullAll(tokens.dave!, 'users');
    expect(daveUsers.ids).toContain('u-frank');
    // Grace asks nothing and is in no group: Frank's request is not hers to see.
    const grace = await srv.login('grace');
    expect((await pullAll(grace, 'requests')).ids).not.toContain('r-sre-frank');

    const me = await http<{ user: { groupIds: string[] } }>('GET', `${srv.url}/api/v1/me`, { token: tokens.dave! });
    expect(me.body.user.groupIds).toEqual(['grp-sre']);
  });

  it('leaving or joining the group changes the member’s view (a replica re-pulls) and what it holds', async () => {
    const asMember = await pullAll(tokens.dave!, 'requests');
    const group = srv.store.get('groups', 'grp-sre')!;
    srv.store.put('groups', { ...group, memberUserIds: ['u-bob'] });
    const left = await pullAll(tokens.dave!, 'requests');
    expect(left.view).not.toBe(asMember.view);
    expect(left.ids).not.toContain('r-sre-frank');
    // Back in: the request, written before he joined, is his again under a new view.
    srv.store.put('groups', group);
    const joined = await pullAll(tokens.dave!, 'requests');
    expect(joined.view).not.toBe(left.view);
    expect(joined.ids).toContain('r-sre-frank');
  });

  it('refuses someone outside the group with a sentence naming it, then a member approves', async () => {
    const outsider = await command(tokens.alice!, 'request.approve', { requestId: 'r-sre-frank', reason: 'looks fine' });
    expect(outsider.body.result).toMatchObject({
      status: 'rejected',
      code: 'forbidden',
      message: 'Alice Moreau is not an approver for step "On-call SRE" of this request; its approvers include the members of SRE on-call, and Alice Moreau is not one',
    });
    const member = await command(tokens.dave!, 'request.approve', { requestId: 'r-sre-frank', reason: 'on call tonight' });
    expect(member.body).toMatchObject({ status: 'applied' });
    expect(srv.store.get('requests', 'r-sre-frank')).toMatchObject({ status: 'approved', decisions: [{ approverId: 'u-dave', decision: 'approve' }] });
  });

  it('never lets a member decide his own request', async () => {
    expect((await ask(tokens.bob!, { requestId: 'r-sre-bob', resourceId: 'res-sre' })).status).toBe(201);
    const own = await command(tokens.bob!, 'request.approve', { requestId: 'r-sre-bob', reason: 'me' });
    expect(own.body.result).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
    expect(srv.store.get('requests', 'r-sre-bob')).toMatchObject({ status: 'pending_approval' });
  });
});

describe('saving a policy with approver groups', () => {
  const upsert = (step: Record<string, unknown>) =>
    command(srv.adminToken, 'policy.upsert', { policy: { id: 'pol-groups-new', name: 'New', maxDurationMinutes: 60, defaultDurationMinutes: 30, approvalSteps: [{ name: 'A', ...step }] } });

  it('refuses an all-of step naming a group, and a group that does not exist, on the field', async () => {
    const all = await upsert({ mode: 'all', approverIds: ['u-alice'], approverGroupIds: ['grp-sre'] });
    expect(all.body.result.message).toBe('payload.policy.approvalSteps.0.approverGroupIds: an all-of step names its approvers one by one; approver groups need an any-of step (one member approves)');
    const ghost = await upsert({ mode: 'any', approverGroupIds: ['grp-ghost'] });
    expect(ghost.body.result.message).toBe('payload.policy.approvalSteps.0.approverGroupIds: group grp-ghost does not exist');
    expect(srv.store.get('policies', 'pol-groups-new')).toBeNull();
  });
});
