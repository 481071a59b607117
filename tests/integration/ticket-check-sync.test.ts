/**
 * The ticket-check hook over the sync push, as a replica sends commands: the hook is asked for the
 * whole push before any of it is applied, each command is decided with its own answer, and the
 * results replicate back. More time on a grant is asked under the grant's ticket, checked again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPath, TICKET_UNCHECKED_STEP_NAME, type CommandResult } from '../../core/index.js';
import { startTicketHookWorld, TICKET_PASSWORD, type TicketHookWorld } from './helpers/ticket-hook.js';
import { http, login } from './helpers/server.js';

let world: TicketHookWorld;
let rita: string;
let n = 0;

beforeAll(async () => {
  world = await startTicketHookWorld();
  rita = await login(world.srv.url, 'rita', TICKET_PASSWORD);
});
afterAll(() => world?.close());

const command = (type: string, payload: Record<string, unknown>) => ({ id: `cmd-sync-${++n}`, type, actorId: 'u-rita', payload, createdAt: new Date().toISOString(), baseRevision: null });
const create = (requestId: string, resourceId: string, ticket: string) => command('request.create', { requestId, resourceId, durationMinutes: 30, ticket });

/** Pushes commands the way a replica does and returns their results. */
async function push(docs: Record<string, unknown>[]): Promise<CommandResult[]> {
  const res = await http('POST', `${world.srv.url}${syncPath('commands', 'push')}`, { token: rita, body: docs.map((doc) => ({ assumedMasterState: null, newDocumentState: doc })) });
  expect(res.status).toBe(200);
  return docs.map((doc) => world.srv.store.get('commandResults', doc.id as string) as CommandResult);
}

describe('request.create pushed by a replica', () => {
  it('one push of open, closed, unknown and slow tickets: each is decided with its own answer', async () => {
    world.hook.answer('SYNC-1', 'open');
    world.hook.answer('SYNC-2', 'closed');
    world.hook.answer('SYNC-3', 'unknown');
    world.hook.answer('SYNC-4', 'slow');
    const results = await push([create('req-s1', 'res-human', 'SYNC-1'), create('req-s2', 'res-human', 'SYNC-2'), create('req-s3', 'res-human', 'SYNC-3'), create('req-s4', 'res-refuse', 'SYNC-4')]);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['applied', 'ok'],
      ['rejected', 'ticket_not_open'],
      ['applied', 'ok'],
      ['rejected', 'ticket_not_open'],
    ]);
    expect(results[1]?.message).toMatch(/^ticket SYNC-2 is closed/);
    expect(results[3]?.message).toMatch(/^ticket SYNC-4 could not be checked \(.*: no answer within 1 s\)/);
    expect(world.srv.store.get('requests', 'req-s1')).toMatchObject({ status: 'approved', ticketCheck: { status: 'open' } });
    const unknown = world.srv.store.get('requests', 'req-s3');
    expect(unknown).toMatchObject({ status: 'pending_approval', ticketCheck: { status: 'unknown' } });
    expect(unknown?.policy?.approvalSteps[0]?.name).toBe(TICKET_UNCHECKED_STEP_NAME);
    for (const ticket of ['SYNC-1', 'SYNC-2', 'SYNC-3', 'SYNC-4']) expect(world.hook.calls.filter((c) => c.body.includes(`"ticket":"${ticket}"`) && c.signature.ok)).toHaveLength(1);
  });

  it('the stored answer replicates to the requester with the request', async () => {
    const pulled = await http('GET', `${world.srv.url}${syncPath('requests', 'pull')}?batchSize=100`, { token: rita });
    const doc = (pulled.body.documents as { id: string; ticketCheck?: unknown }[]).find((d) => d.id === 'req-s1');
    expect(doc?.ticketCheck).toMatchObject({ status: 'open', hookHost: new URL(world.hook.url).host });
  });

  it('a pushed command seen before is not checked again', async () => {
    world.hook.answer('SYNC-5', 'open');
    const doc = create('req-s5', 'res-human', 'SYNC-5');
    await push([doc]);
    await push([doc]);
    expect(world.hook.calls.filter((c) => c.body.includes('"ticket":"SYNC-5"'))).toHaveLength(1);
  });
});

describe('more time on a grant', () => {
  it('is asked under the grant’s ticket: open goes ahead, closed since then is refused', async () => {
    world.hook.answer('SYNC-6', 'open');
    await push([create('req-s6', 'res-human', 'SYNC-6')]);
    const grantId = world.srv.store.get('requests', 'req-s6')?.grantId as string;
    expect(grantId).toBeTruthy();

    const more = await push([command('grant.extend', { grantId, minutes: 15, reason: 'still on it', requestId: 'req-s6-more' })]);
    expect(more[0]).toMatchObject({ status: 'applied' });
    const asked = world.hook.calls.filter((c) => c.body.includes('"ticket":"SYNC-6"')).map((c) => JSON.parse(c.body).request.kind);
    expect(asked).toEqual(['access', 'more_time']);

    world.hook.answer('SYNC-6', 'closed');
    const refused = await push([command('grant.extend', { grantId, minutes: 15, reason: 'a bit more', requestId: 'req-s6-more-2' })]);
    expect(refused[0]).toMatchObject({ status: 'rejected', code: 'ticket_not_open', message: expect.stringMatching(/^ticket SYNC-6 is closed/) });
  });
});
