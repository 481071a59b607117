/**
 * The console's one local replica: an RxDB database with every replicated collection of
 * core COLLECTIONS, its schemas derived from the core zod schemas. Used by the React console
 * (Dexie/IndexedDB storage) and by Node tests and benchmarks (memory storage).
 *
 * No React and no DOM-only APIs here: this module also runs in plain Node.
 */
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase, type RxJsonSchema, type RxPlugin, type RxStorage } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { COLLECTIONS, toRxSchema, type CollectionDoc, type CollectionName } from '../../core/index.js';

export type JitCollections = { [C in CollectionName]: RxCollection<CollectionDoc<C>> };
export type JitDatabase = RxDatabase<JitCollections>;

export type JitDatabaseOptions = {
  /** Database name; one per signed-in account and server keeps replicas apart. */
  name: string;
  /** 'dexie' (IndexedDB) persists in browsers and Electron; 'memory' is for Node tests. */
  storage: 'dexie' | 'memory';
  /** RxDB dev-mode checks plus schema validation of every write. Tests and development only. */
  devMode?: boolean;
  /**
   * Only these collections (default: all). The open-source RxDB edition allows about 14 open
   * collections per JavaScript realm, so a process that holds two replicas (a test with two
   * clients, a benchmark) opens only what it needs.
   */
  collections?: readonly CollectionName[];
  /** IndexedDB implementation for Dexie outside a browser (e.g. fake-indexeddb in Node). */
  dexie?: { indexedDB: unknown; IDBKeyRange: unknown };
};

export const ALL_COLLECTIONS = Object.keys(COLLECTIONS) as CollectionName[];

const schemas = new Map<CollectionName, RxJsonSchema<unknown>>();

/**
 * The RxDB schema of one collection, derived from its core zod schema. Derived once per collection
 * (each derivation walks the zod schema; a replica's name and its collections both need them).
 */
export function collectionSchema<C extends CollectionName>(name: C): RxJsonSchema<CollectionDoc<C>> {
  let schema = schemas.get(name);
  if (!schema) {
    const spec = COLLECTIONS[name];
    // toRxSchema returns the JSON-schema subset RxDB reads; RxDB's own type is stricter than zod's output type.
    schema = toRxSchema(spec.schema, { primaryKey: spec.primaryKey, indexes: spec.indexes }) as unknown as RxJsonSchema<unknown>;
    schemas.set(name, schema);
  }
  return schema as RxJsonSchema<CollectionDoc<C>>;
}

/** Derives every collection's schema ahead of time (e.g. while someone types their password), so opening a replica does not wait for it. */
export function prepareSchemas(): void {
  for (const name of ALL_COLLECTIONS) collectionSchema(name);
}

/**
 * Top-level fields that RxDB's dev-mode refuses because RxDocument has a getter of that name (SC17),
 * mapped to a neutral name used only while dev-mode checks the schema. `revision` (the server's
 * revision of a request or grant, sent back as a command's baseRevision) is such a field. Outside
 * dev-mode RxDB accepts it, and on a document the schema's field wins over the base getter, so
 * `doc.get('revision')` and `doc.toJSON().revision` are the server revision. Read it through those,
 * not `doc.revision`, whose TypeScript type is the RxDocument's (the storage `_rev`).
 */
const DEV_MODE_RESERVED_FIELDS: Record<string, string> = { revision: 'serverRevision' };

function renameReservedFields(schema: RxJsonSchema<unknown>): RxJsonSchema<unknown> {
  const rename = (field: string) => DEV_MODE_RESERVED_FIELDS[field] ?? field;
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([field, prop]) => [rename(field), prop]));
  return {
    ...schema,
    properties,
    required: (schema.required as string[] | undefined)?.map(rename),
    indexes: schema.indexes?.map((index) => (Array.isArray(index) ? index.map(rename) : rename(index as string))),
  } as RxJsonSchema<unknown>;
}

let devModePlugin: Promise<RxPlugin> | undefined;

/** The dev-mode plugin, with its schema check run on a copy whose reserved field names are renamed. */
function loadDevModePlugin(): Promise<RxPlugin> {
  devModePlugin ??= import('rxdb/plugins/dev-mode').then(({ RxDBDevModePlugin, checkSchema, disableWarnings }) => {
    disableWarnings();
    const hooks = RxDBDevModePlugin.hooks ?? {};
    return {
      ...RxDBDevModePlugin,
      hooks: {
        ...hooks,
        preCreateRxSchema: { after: (schema: RxJsonSchema<unknown>) => checkSchema(renameReservedFields(schema)) },
      },
    } as RxPlugin;
  });
  return devModePlugin;
}

async function pickStorage(opts: JitDatabaseOptions): Promise<RxStorage<unknown, unknown>> {
  const base: RxStorage<unknown, unknown> =
    opts.storage === 'memory'
      ? (getRxStorageMemory() as RxStorage<unknown, unknown>)
      : (getRxStorageDexie(opts.dexie ? ({ indexedDB: opts.dexie.indexedDB, IDBKeyRange: opts.dexie.IDBKeyRange } as Parameters<typeof getRxStorageDexie>[0]) : undefined) as RxStorage<unknown, unknown>);
  if (!opts.devMode) return base;
  // Dev-mode insists on a validating storage; the ajv wrapper checks every write against the schema.
  const { wrappedValidateAjvStorage } = await import('rxdb/plugins/validate-ajv');
  return wrappedValidateAjvStorage({ storage: base }) as RxStorage<unknown, unknown>;
}

export async function createJitDatabase(opts: JitDatabaseOptions): Promise<JitDatabase> {
  // RxDB's own rule for database names (it also refuses `$`).
  if (!/^[a-z][_a-zA-Z0-9-]*$/.test(opts.name)) {
    throw new Error(`name: "${opts.name}" must start with a lowercase letter and contain only letters, digits, _ and -`);
  }
  if (opts.storage !== 'dexie' && opts.storage !== 'memory') {
    throw new Error(`storage: must be 'dexie' or 'memory', not ${JSON.stringify(opts.storage)}`);
  }
  const names = opts.collections ?? ALL_COLLECTIONS;
  for (const name of names) {
    if (!(name in COLLECTIONS)) throw new Error(`collections: unknown collection "${name}"`);
  }
  // Dev-mode hooks are process-wide in RxDB: once a dev-mode database exists, every later one is checked too.
  if (opts.devMode) addRxPlugin(await loadDevModePlugin());

  const db = await createRxDatabase<JitCollections>({
    name: opts.name,
    storage: await pickStorage(opts),
    // Several tabs of the web console may share one IndexedDB; RxDB keeps them consistent.
    multiInstance: opts.storage === 'dexie',
    eventReduce: true,
    closeDuplicates: true,
  });
  try {
    const creators = Object.fromEntries(names.map((name) => [name, { schema: collectionSchema(name) }]));
    await db.addCollections(creators as Parameters<JitDatabase['addCollections']>[0]);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
