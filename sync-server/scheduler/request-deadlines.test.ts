import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../core/index.js';
import { ConnectorRegistry } from '../connectors/registry.js';
import { openStore, type Store } from '../store/index.js';
import { startScheduler, type Scheduler } from './index.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-05-04T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

let dir: string;
let store: Store;
let scheduler: Scheduler;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'request-deadlines-'));
  store = openStore({ dataDir: dir });
  clock = T0;
  scheduler = startScheduler({ store, registry: new ConnectorRegistry(), now: () => new Date(clock), intervalMs: 0 });
  store.put('users', { id: 'u-req', username: 'req', displayName: 'Rita Requester', updatedAt: iso(T0) });
  store.put('users', { id: 'u-esc', username: 'esc', displayName: 'Esme Escalation', roles: ['approver'], updatedAt: iso(T0) });
});
afterEach(async () => {
  await scheduler.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A pending request as createRequest writes it: deadline in a week, its one step due in `stepMinutes`. */
function pendingRequest(id: string, stepMinutes: number, escalateToIds: string[] = []): AccessRequest {
  return store.put('requests', {
    id,
    requesterId: 'u-req',
    resourceId: 'res-1',
    durationMinutes: 60,
    status: 'pending_approval',
    policy: {
      policyIds: ['p-1'],
      maxDurationMinutes: 240,
      requireJustification: false,
      requireTicket: false,
      requireMfa: false,
      autoApprove: false,
      breakGlass: false,
      maxExtensions: 0,
      requestTtlMinutes: 7 * 24 * 60,
      approvalSteps: [{ name: 'Approver', mode: 'any', approverIds: ['u-approver'], approverRoles: [], timeoutMinutes: stepMinutes, escalateToIds }],
    },
    createdAt: iso(T0),
    updatedAt: iso(T0),
    expiresAt: iso(T0 + 7 * 24 * 60 * MINUTE),
    stepStartedAt: iso(T0),
    stepDueAt: iso(T0 + stepMinutes * MINUTE),
    revision: 1,
  });
}

describe('the due-scan of pending requests', () => {
  it('reads deadlines and step timeouts through indexes, not a scan of every request', () => {
    const plan = (sql: string) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan("SELECT doc FROM documents WHERE collection = 'requests' AND status IN ('pending_approval') AND json_extract(doc, '$.stepDueAt') <= '2030'")).toMatch(
      /USING INDEX documents_step_due/,
    );
    // The store names the index itself (INDEXED BY): a query it cannot serve fails instead of scanning.
    expect(store.list('requests', { status: ['pending_approval'], stepDueAtOrBefore: iso(T0) })).toEqual([]);
  });

  it('with 10,000 requests waiting and three due, a pass settles exactly the three', async () => {
    store.tx(() => {
      for (let i = 0; i < 10_000; i++) pendingRequest(`r-wait-${i}`, 24 * 60 + (i % 500));
    });
    pendingRequest('r-due-1', 30);
    pendingRequest('r-due-2', 45, ['u-esc']);
    pendingRequest('r-due-3', 60);
    clock = T0 + 60 * MINUTE;
    const summary = await scheduler.runOnce();
    expect(summary.requests).toEqual({ requestsExpired: 2, requestsEscalated: 1 });
    expect(store.get('requests', 'r-due-1')).toMatchObject({ status: 'expired', outcomeReason: expect.stringMatching(/^step "Approver" was not decided within 30 min and has nobody to escalate to/) });
    expect(store.get('requests', 'r-due-2')).toMatchObject({ status: 'pending_approval', escalatedSteps: [0], stepDueAt: iso(clock + 45 * MINUTE) });
    expect(store.count('requests', { status: 'pending_approval' })).toBe(10_001);
    const types = [...store.auditEvents()].map((e) => `${e.type}:${e.subjectId}`);
    expect(types).toEqual(['request.expired:r-due-1', 'request.escalated:r-due-2', 'request.expired:r-due-3']);
    // Nothing more is due: a second pass writes nothing.
    expect((await scheduler.runOnce()).requests).toEqual({ requestsExpired: 0, requestsEscalated: 0 });
  });

  it('catches up on more than one batch after a long stop', async () => {
    store.tx(() => {
      for (let i = 0; i < 450; i++) pendingRequest(`r-${i}`, 10);
    });
    clock = T0 + 8 * 24 * 60 * MINUTE;
    expect((await scheduler.runOnce()).requests).toEqual({ requestsExpired: 450, requestsEscalated: 0 });
    expect(store.count('requests', { status: 'expired' })).toBe(450);
    expect(store.get('requests', 'r-7')?.outcomeReason).toBe('nobody decided it within 7 days of asking, so it expired; ask again if the access is still needed');
  });
});
