import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createCommandProcessor, type CommandProcessor } from './processor.js';
import { createRejectionBudget, RejectionBudgetSpent } from './rejection-budget.js';

describe('rejection budget', () => {
  it('allows the budget per window, refuses beyond it (announcing the first refusal only), and starts afresh after the window', () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const budget = createRejectionBudget({ now: () => clock, settings: { rejectionsPerWindow: 3, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) budget.charge('u-a');
    const refusals = [0, 1].map(() => {
      try {
        budget.charge('u-a');
      } catch (error) {
        return error as RejectionBudgetSpent;
      }
      throw new Error('not refused');
    });
    expect(refusals.map((r) => [r.statusCode, r.announce, r.retryAfterSeconds])).toEqual([
      [429, true, 60],
      [429, false, 60],
    ]);
    // Another sender has a budget of its own.
    expect(() => budget.charge('u-b')).not.toThrow();
    clock = new Date(clock.getTime() + 30_000);
    expect(() => budget.charge('u-a')).toThrow(expect.objectContaining({ retryAfterSeconds: 30, announce: false }));
    clock = new Date(clock.getTime() + 30_000);
    expect(() => budget.charge('u-a')).not.toThrow();
  });
});

describe('the processor and the budget', () => {
  let dir: string;
  let store: Store;
  let processor: CommandProcessor;
  const at = '2030-03-04T10:00:00.000Z';
  let allowed = true;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jit-budget-'));
    store = openStore({ dataDir: dir });
    processor = createCommandProcessor({
      store,
      now: () => new Date(at),
      beforeReject: ({ senderId }) => {
        if (!allowed) throw new RejectionBudgetSpent(senderId ?? '?', 10, false, { rejectionsPerWindow: 0, windowSeconds: 10 });
      },
    });
    store.createAccount({ id: 'u-aud', username: 'aud', passwordHash: 'unused', roles: ['auditor'], createdAt: at });
    store.put('users', { id: 'u-aud', username: 'aud', displayName: 'Aud', roles: ['auditor'], updatedAt: at });
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a type the sender may never send is recorded without its payload, valid or not', () => {
    const valid = processor.apply({ id: 'c-1', type: 'request.approve', actorId: 'u-aud', payload: { requestId: 'r-1', reason: 'x'.repeat(1000) }, createdAt: at }, { authenticatedActorId: 'u-aud' });
    const invalid = processor.apply({ id: 'c-1b', type: 'request.approve', actorId: 'u-aud', payload: { requestId: 'r-1', secret: 'x'.repeat(1000) }, createdAt: at }, { authenticatedActorId: 'u-aud' });
    expect([valid.code, invalid.code]).toEqual(['forbidden', 'invalid_input']);
    for (const id of ['c-1', 'c-1b']) expect(store.get('commands', id)?.payload).toEqual({ omitted: 'the payload of a request.approve from someone whose roles may never send it is not kept' });
  });

  it('a refused rejection writes nothing at all', () => {
    allowed = false;
    const before = { seq: store.auditHead().seq, results: store.count('commandResults'), commands: store.count('commands') };
    expect(() => processor.apply({ id: 'c-2', type: 'request.approve', actorId: 'u-aud', payload: { requestId: 'r-1' }, createdAt: at }, { authenticatedActorId: 'u-aud' })).toThrow(RejectionBudgetSpent);
    expect({ seq: store.auditHead().seq, results: store.count('commandResults'), commands: store.count('commands') }).toEqual(before);
    // A replay of a recorded verdict is not a new rejection: it is answered as before.
    expect(processor.apply({ id: 'c-1', type: 'request.approve', actorId: 'u-aud', payload: {}, createdAt: at }, { authenticatedActorId: 'u-aud' })).toMatchObject({ code: 'forbidden' });
    allowed = true;
  });
});
