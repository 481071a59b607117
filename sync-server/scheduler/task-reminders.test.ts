import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConnectorRegistry } from '../connectors/registry.js';
import { openStore, type Store } from '../store/index.js';
import { startScheduler, type Scheduler } from './index.js';
import { schedulerOptionsFromEnv } from './env.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-05-04T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

let dir: string;
let store: Store;
let scheduler: Scheduler;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'task-reminders-'));
  store = openStore({ dataDir: dir });
  clock = T0;
  scheduler = startScheduler({ store, registry: new ConnectorRegistry(), now: () => new Date(clock), intervalMs: 0, taskReminderEveryMs: 4 * HOUR });
});
afterEach(async () => {
  await scheduler.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function task(id: string, dueInMs: number, over: Record<string, unknown> = {}) {
  store.put('tasks', { id, kind: 'manual_revoke', title: `Remove ${id}`, assigneeId: 'u-eve', status: 'open', severity: 'warning', createdAt: iso(T0), dueAt: iso(T0 + dueInMs), updatedAt: iso(T0), ...over });
}
const reminded = () => [...store.auditEvents()].filter((e) => e.type === 'task.reminded').map((e) => [e.subjectId, (e.data as { reminders: number }).reminders]);

it('reminds the assignee when a task falls due, then every interval while it stays open, and never a closed or unassigned one', async () => {
  task('t-due', 1 * HOUR);
  task('t-later', 10 * HOUR);
  task('t-nobody', 1 * HOUR, { assigneeId: null });
  task('t-closed', 1 * HOUR, { status: 'done', closedAt: iso(T0), closedBy: 'u-eve' });
  await scheduler.runOnce();
  expect(reminded()).toEqual([]);

  clock = T0 + 1 * HOUR + 1000;
  await scheduler.runOnce();
  expect(reminded()).toEqual([['t-due', 1]]);
  expect(store.get('tasks', 't-due')).toMatchObject({ reminders: 1, remindedAt: iso(clock) });

  // Not again before the interval, once more after it.
  clock += 2 * HOUR;
  await scheduler.runOnce();
  expect(reminded()).toHaveLength(1);
  clock += 2 * HOUR + 1000;
  await scheduler.runOnce();
  expect(reminded()).toEqual([
    ['t-due', 1],
    ['t-due', 2],
  ]);

  // Closed meanwhile: no more reminders; the later one falls due in its turn.
  store.put('tasks', { ...store.get('tasks', 't-due')!, status: 'done', closedAt: iso(clock), closedBy: 'u-eve' });
  clock = T0 + 10 * HOUR + 1000;
  await scheduler.runOnce();
  expect(reminded().map(([id]) => id)).toEqual(['t-due', 't-due', 't-later']);
});

it('reads the interval from JIT_TASK_REMIND_EVERY, refusing nonsense', () => {
  expect(schedulerOptionsFromEnv({ JIT_TASK_REMIND_EVERY: '30m' })).toEqual({ taskReminderEveryMs: 30 * 60_000 });
  expect(() => schedulerOptionsFromEnv({ JIT_TASK_REMIND_EVERY: '10s' })).toThrow(/JIT_TASK_REMIND_EVERY: at least 1m/);
  expect(() => schedulerOptionsFromEnv({ JIT_TASK_REMIND_EVERY: 'soon' })).toThrow(/JIT_TASK_REMIND_EVERY/);
});
