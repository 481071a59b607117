import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { COLLECTIONS, type AccessRequest } from '../../core/index.js';
import { awaitCommandResult, newCommandId, sendCommand } from './commands.js';
import { ALL_COLLECTIONS, createJitDatabase, type JitDatabase } from './database.js';
import { pendingCommands$ } from './replication.js';

const now = '2025-03-01T10:00:00.000Z';

function request(id: string, revision: number): AccessRequest {
  return {
    id,
    requesterId: 'u-req',
    resourceId: 'res-1',
    durationMinutes: 60,
    justification: 'incident 42',
    ticket: '',
    status: 'pending_approval',
    policy: null,
    currentStep: 0,
    decisions: [],
    riskScore: 10,
    outcomeReason: '',
    grantId: null,
    extendsGrantId: null,
    createdAt: now,
    updatedAt: now,
    decidedAt: null,
    expiresAt: null,
    revision,
  };
}

let open: JitDatabase[] = [];
async function database(name: string, collections?: (keyof typeof COLLECTIONS)[]) {
  const db = await createJitDatabase({ name, storage: 'memory', devMode: true, collections });
  open.push(db);
  return db;
}

afterEach(async () => {
  await Promise.all(open.map((db) => db.close()));
  open = [];
});

describe('createJitDatabase', () => {
  it('creates every replicated collection, with dev-mode checks on', async () => {
    const db = await database('all-collections');
    expect(Object.keys(db.collections).sort()).toEqual([...ALL_COLLECTIONS].sort());
  });

  it('keeps the server revision of a request readable (a name RxDB documents also use)', async () => {
    const db = await database('revision-field', ['requests']);
    const doc = await db.requests.insert(request('r-1', 7));
    expect(doc.get('revision')).toBe(7);
    expect(doc.toJSON().revision).toBe(7);
    const found = await db.requests.findOne({ selector: { status: 'pending_approval' } }).exec();
    expect(found?.toJSON().revision).toBe(7);
  });

  it('refuses a document that breaks the schema (validation on in dev-mode)', async () => {
    const db = await database('invalid-doc', ['requests']);
    await expect(db.requests.insert({ ...request('r-1', 1), status: 'granted' as AccessRequest['status'] })).rejects.toThrow();
    await expect(db.requests.insert({ ...request('r-2', 1), unexpected: true } as AccessRequest)).rejects.toThrow();
  });

  it('names the bad option', async () => {
    await expect(createJitDatabase({ name: 'Bad Name', storage: 'memory' })).rejects.toThrow(/name:/);
    await expect(createJitDatabase({ name: 'ok', storage: 'sqlite' as 'memory' })).rejects.toThrow(/storage:/);
    await expect(createJitDatabase({ name: 'ok', storage: 'memory', collections: ['nope' as 'users'] })).rejects.toThrow(/collections: unknown collection "nope"/);
  });

  it('persists through Dexie (IndexedDB) across reopening', async () => {
    const { indexedDB, IDBKeyRange } = await import('fake-indexeddb');
    const dexie = { indexedDB, IDBKeyRange };
    const first = await createJitDatabase({ name: 'dexie-persist', storage: 'dexie', devMode: true, collections: ['requests'], dexie });
    await first.requests.insert(request('r-9', 2));
    await first.close();
    const second = await createJitDatabase({ name: 'dexie-persist', storage: 'dexie', devMode: true, collections: ['requests'], dexie });
    open.push(second);
    expect((await second.requests.findOne('r-9').exec())?.toJSON().revision).toBe(2);
  });
});

describe('sendCommand', () => {
  it('queues a valid command locally with defaults filled and counts it as pending until its result arrives', async () => {
    const db = await database('send-command', ['commands', 'commandResults']);
    const id = await sendCommand(db, { type: 'request.approve', payload: { requestId: 'r-1' }, actorId: 'u-approver', baseRevision: 3 });
    expect(id).toMatch(/^cmd-[0-9a-f-]{36}$/);
    const stored = (await db.commands.findOne(id).exec())?.toJSON();
    expect(stored).toMatchObject({ type: 'request.approve', actorId: 'u-approver', baseRevision: 3, payload: { requestId: 'r-1', reason: '', breakGlass: false } });
    expect(await firstValueFrom(pendingCommands$(db))).toBe(1);

    const result = awaitCommandResult(db, id, 5_000);
    await db.commandResults.insert({ id, commandId: id, type: 'request.approve', actorId: 'u-approver', status: 'applied', code: 'ok', message: 'approved', subjectIds: ['r-1'], appliedAt: now });
    expect((await result).status).toBe('applied');
    expect(await firstValueFrom(pendingCommands$(db))).toBe(0);
  });

  it('refuses an invalid payload before queueing it, naming the field', async () => {
    const db = await database('send-invalid', ['commands', 'commandResults']);
    await expect(sendCommand(db, { type: 'request.deny', payload: { requestId: 'r-1', reason: '  ' }, actorId: 'u-1' })).rejects.toThrow(/payload\.reason: a reason is required/);
    await expect(sendCommand(db, { type: 'request.approve', payload: { requestId: 'r 1' }, actorId: 'u-1' })).rejects.toThrow(/payload\.requestId/);
    await expect(sendCommand(db, { type: 'request.approve', payload: { requestId: 'r-1' }, actorId: '' })).rejects.toThrow(/actorId/);
    expect(await db.commands.count().exec()).toBe(0);
  });

  it('makes distinct ids even without crypto.randomUUID (plain-http pages)', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newCommandId()));
    expect(ids.size).toBe(200);
    const original = globalThis.crypto.randomUUID;
    try {
      Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true });
      expect(newCommandId()).toMatch(/^cmd-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      Object.defineProperty(globalThis.crypto, 'randomUUID', { value: original, configurable: true });
    }
  });
});
