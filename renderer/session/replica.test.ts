import { createRxDatabase } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectionName } from '../../core/index.js';
import { collectionSchema, createJitDatabase, type JitDatabase } from '../db/index.js';
import { accountPrefix, carryOverUnsentCommands, replicaName, replicaOfIndexedDb, schemaFingerprint, staleReplicas, type SchemaOf } from './replica.js';
import { CONSOLE_COLLECTIONS, databaseName } from './session.js';

const SERVER = 'https://jit.example.com';

/** The real schemas, with one collection's changed the way a release changes it: a new field. */
function withNewField(changed: CollectionName, field: string): SchemaOf {
  return (name) => {
    const schema = collectionSchema(name) as unknown as { properties: Record<string, unknown> };
    if (name !== changed) return schema;
    return { ...schema, properties: { ...schema.properties, [field]: { type: ['string', 'null'] } } };
  };
}

describe('the replica name', () => {
  it('is the same for the same server, account and schemas, and a valid RxDB name', () => {
    const name = databaseName(SERVER, 'u-alice');
    expect(databaseName(SERVER, 'u-alice')).toBe(name);
    expect(name).toMatch(/^jit-[0-9a-f]{8}-[0-9a-f]{8}$/);
    expect(name.startsWith(`${accountPrefix(SERVER, 'u-alice')}-`)).toBe(true);
  });

  it('differs per server and per account', () => {
    const name = databaseName(SERVER, 'u-alice');
    expect(databaseName(SERVER, 'u-bob')).not.toBe(name);
    expect(databaseName('https://other.example.com', 'u-alice')).not.toBe(name);
  });

  it('changes when a collection schema changes (a new field on requests, on policies)', () => {
    const base = replicaName(SERVER, 'u-alice', CONSOLE_COLLECTIONS);
    expect(replicaName(SERVER, 'u-alice', CONSOLE_COLLECTIONS, withNewField('requests', 'extendsGrantId2'))).not.toBe(base);
    expect(replicaName(SERVER, 'u-alice', CONSOLE_COLLECTIONS, withNewField('policies', 'changedBy2'))).not.toBe(base);
    // The account part stays, so the old replica is recognised as this account's.
    expect(replicaName(SERVER, 'u-alice', CONSOLE_COLLECTIONS, withNewField('requests', 'x')).startsWith(accountPrefix(SERVER, 'u-alice'))).toBe(true);
  });

  it('changes when the console opens another collection', () => {
    expect(schemaFingerprint(CONSOLE_COLLECTIONS)).not.toBe(schemaFingerprint(CONSOLE_COLLECTIONS.filter((c) => c !== 'proposals')));
  });

  it('does not depend on the order of collections or of schema keys', () => {
    const reversed = [...CONSOLE_COLLECTIONS].reverse();
    expect(schemaFingerprint(reversed)).toBe(schemaFingerprint(CONSOLE_COLLECTIONS));
    const shuffledKeys: SchemaOf = (name) => Object.fromEntries(Object.entries(collectionSchema(name) as object).reverse());
    expect(schemaFingerprint(CONSOLE_COLLECTIONS, shuffledKeys)).toBe(schemaFingerprint(CONSOLE_COLLECTIONS));
  });

  it('opens proposals and stays under the open-source RxDB limit of 14 collections', () => {
    expect(CONSOLE_COLLECTIONS).toContain('proposals');
    expect(CONSOLE_COLLECTIONS.length).toBeLessThanOrEqual(13);
  });
});

describe('stale replicas', () => {
  const prefix = accountPrefix(SERVER, 'u-alice');
  const current = `${prefix}-aaaaaaaa`;

  it('reads the replica out of a Dexie database name', () => {
    expect(replicaOfIndexedDb(`rxdb-dexie-${current}--0--requests`)).toBe(current);
    expect(replicaOfIndexedDb(`rxdb-dexie-${current}--0--_rxdb_internal`)).toBe(current);
    expect(replicaOfIndexedDb('some-other-app')).toBeNull();
  });

  it('are the same account’s replicas under another fingerprint, or its name from before fingerprints', () => {
    const names = [
      `rxdb-dexie-${current}--0--requests`,
      `rxdb-dexie-${prefix}-bbbbbbbb--0--requests`,
      `rxdb-dexie-${prefix}-bbbbbbbb--0--commands`,
      `rxdb-dexie-${prefix}--0--grants`,
      `rxdb-dexie-${accountPrefix(SERVER, 'u-bob')}-bbbbbbbb--0--requests`,
      'unrelated',
    ];
    expect(staleReplicas(names, current, prefix)).toEqual([prefix, `${prefix}-bbbbbbbb`].sort());
  });
});

describe('carryOverUnsentCommands', () => {
  let open: JitDatabase[] = [];
  afterEach(async () => {
    await Promise.all(open.map((db) => db.close()));
    open = [];
  });
  const at = '2026-03-01T10:00:00.000Z';
  const command = (id: string) => ({ id, type: 'request.approve' as const, actorId: 'u-alice', payload: { requestId: 'r-1', reason: '', breakGlass: false }, createdAt: at, baseRevision: 1 });

  it('moves the commands the server has not answered, once', async () => {
    const from = await createJitDatabase({ name: 'carry-from', storage: 'memory', collections: ['commands', 'commandResults'] });
    const to = await createJitDatabase({ name: 'carry-to', storage: 'memory', collections: ['commands', 'commandResults'] });
    open.push(from, to);
    await from.commands.bulkInsert([command('cmd-answered'), command('cmd-unsent'), command('cmd-also-there')]);
    await from.commandResults.insert({ id: 'cmd-answered', commandId: 'cmd-answered', type: 'request.approve', actorId: 'u-alice', status: 'applied', code: 'ok', message: 'approved', subjectIds: [], appliedAt: at });
    await to.commands.insert(command('cmd-also-there'));

    expect(await carryOverUnsentCommands(from, to)).toBe(1);
    expect((await to.commands.find().exec()).map((d) => d.id).sort()).toEqual(['cmd-also-there', 'cmd-unsent']);
    expect(await carryOverUnsentCommands(from, to)).toBe(0);
  });
});

describe('a replica stored under an older schema', () => {
  it('cannot be opened whole, but its commands can, and carry over', async () => {
    const { indexedDB, IDBKeyRange } = await import('fake-indexeddb');
    const dexie = { indexedDB, IDBKeyRange };
    // What an older console left: requests without a field this one has, and a command not yet sent.
    const older = await createRxDatabase({ name: 'jit-older-replica', storage: getRxStorageDexie(dexie as Parameters<typeof getRxStorageDexie>[0]), multiInstance: false });
    const requests = collectionSchema('requests') as unknown as { properties: Record<string, unknown> };
    const { extendsGrantId: _dropped, ...olderProperties } = requests.properties;
    await older.addCollections({
      requests: { schema: { ...requests, properties: olderProperties } as never },
      commands: { schema: collectionSchema('commands') as never },
      commandResults: { schema: collectionSchema('commandResults') as never },
    });
    await older.commands.insert({ id: 'cmd-offline', type: 'request.approve', actorId: 'u-alice', payload: { requestId: 'r-1', reason: '', breakGlass: false }, createdAt: '2026-03-01T10:00:00.000Z', baseRevision: 1 });
    await older.close();

    await expect(createJitDatabase({ name: 'jit-older-replica', storage: 'dexie', collections: ['requests'], dexie })).rejects.toThrow(/DB6/);
    const old = await createJitDatabase({ name: 'jit-older-replica', storage: 'dexie', collections: ['commands', 'commandResults'], dexie });
    const fresh = await createJitDatabase({ name: 'jit-fresh-replica', storage: 'memory', collections: ['commands'] });
    try {
      expect(await carryOverUnsentCommands(old, fresh)).toBe(1);
      expect((await fresh.commands.findOne('cmd-offline').exec())?.toJSON().type).toBe('request.approve');
    } finally {
      await old.close();
      await fresh.close();
    }
  });
});
