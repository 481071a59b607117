import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_REQUEST_STATES, type CommandType } from '../../core/index.js';
import { seedDemoOrganisation } from '../demo/seed.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createCommandProcessor, type CommandProcessor } from './processor.js';

/** A requester probing other people's ids learns nothing a made-up id would not tell them. */

let dir: string;
let store: Store;
let processor: CommandProcessor;
const clock = new Date('2030-05-06T09:00:00.000Z');
let n = 0;

function send(actorId: string, type: CommandType, payload: Record<string, unknown>) {
  n++;
  return processor.apply({ id: `probe-${n}`, type, actorId, payload, createdAt: clock.toISOString() }, { authenticatedActorId: actorId });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-unseen-'));
  store = openStore({ dataDir: dir });
  processor = createCommandProcessor({ store, now: () => clock });
  store.createAccount({ id: 'u-admin', username: 'admin', passwordHash: 'unused', roles: ['admin', 'approver', 'auditor', 'policy_admin'], createdAt: clock.toISOString() });
  store.put('users', { id: 'u-admin', username: 'admin', displayName: 'Administrator', roles: ['admin'], updatedAt: clock.toISOString() });
  expect((await seedDemoOrganisation(store, processor, clock)).seeded).toBe(true);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('commands naming documents the sender may not see', () => {
  it("cancelling someone else's request reads exactly like cancelling one that does not exist", () => {
    const others = store.list('requests').filter((r) => r.requesterId !== 'u-bob');
    const pending = others.find((r) => PENDING_REQUEST_STATES.includes(r.status));
    const decided = others.find((r) => r.status === 'approved' || r.status === 'denied');
    expect(pending && decided).toBeTruthy();
    for (const request of [pending!, decided!]) {
      const result = send('u-bob', 'request.cancel', { requestId: request.id });
      expect(result).toMatchObject({ status: 'rejected', code: 'not_found', message: `request ${request.id} does not exist` });
      // Nothing about who decided it or whose it is.
      expect(result.message).not.toMatch(/approved|denied|by /);
    }
    expect(send('u-bob', 'request.cancel', { requestId: 'req-made-up' })).toMatchObject({ code: 'not_found', message: 'request req-made-up does not exist' });
    expect(store.get('requests', pending!.id)?.status).toBe(pending!.status);
  });

  it("giving back someone else's grant or closing someone else's task reads as not found", () => {
    const grant = store.list('grants').find((g) => g.userId !== 'u-bob');
    expect(grant).toBeTruthy();
    expect(send('u-bob', 'grant.revoke', { grantId: grant!.id, reason: 'probe' })).toMatchObject({ code: 'not_found', message: `grant ${grant!.id} does not exist` });
    expect(store.get('grants', grant!.id)?.status).toBe(grant!.status);
    const task = store.list('tasks').find((t) => t.assigneeId !== 'u-bob');
    if (task) expect(send('u-bob', 'task.close', { taskId: task.id, outcome: 'done' })).toMatchObject({ code: 'not_found', message: `task ${task.id} does not exist` });
  });

  it('the requester still acts on their own request, and an approver on anyone’s', () => {
    const own = store.list('requests').find((r) => r.requesterId === 'u-bob' && PENDING_REQUEST_STATES.includes(r.status));
    expect(own).toBeTruthy();
    expect(send('u-bob', 'request.cancel', { requestId: own!.id }).status).toBe('applied');
    const theirs = store.list('requests').find((r) => r.requesterId !== 'u-alice' && !PENDING_REQUEST_STATES.includes(r.status));
    // Approvers replicate every request: the refusal may say what happened to it.
    expect(send('u-alice', 'request.cancel', { requestId: theirs!.id }).code).not.toBe('not_found');
  });
});
