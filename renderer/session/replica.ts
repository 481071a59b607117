/**
 * Where a console keeps its replica, and what happens to a replica an older console left behind.
 *
 * One replica per server and account, so two people on one machine never share data, and per
 * shape of its collections: RxDB refuses to open a stored collection whose schema changed
 * (schema mismatch), and the server is the authority, so a console whose schemas changed opens a
 * fresh replica under a new name and pulls everything again. The old one is then retired: its
 * commands the server has not answered are carried over (decisions made offline are not lost),
 * and its files are deleted.
 */
import type { CollectionName, Command, CommandResult } from '../../core/index.js';
import { collectionSchema, type JitDatabase } from '../db/index.js';

/** FNV-1a, 32 bits, as 8 hex digits: short, stable across runs and platforms, no crypto needed. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const ch of text) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** JSON with object keys sorted, so the fingerprint depends on the schema, not on how it was built. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export type SchemaOf = (name: CollectionName) => unknown;

/** A short fingerprint of the collections' RxDB schemas: it changes when any of them changes. */
export function schemaFingerprint(collections: readonly CollectionName[], schemaOf: SchemaOf = collectionSchema): string {
  const names = [...new Set(collections)].sort();
  return fnv1a(canonical(names.map((name) => [name, schemaOf(name)])));
}

/** The part of the name that identifies the server and account; every replica of theirs starts with it. */
export function accountPrefix(serverUrl: string, userId: string): string {
  return `jit-${fnv1a(`${serverUrl}|${userId}`)}`;
}

/** The replica's database name: account, then the fingerprint of the schemas it opens. */
export function replicaName(serverUrl: string, userId: string, collections: readonly CollectionName[], schemaOf?: SchemaOf): string {
  return `${accountPrefix(serverUrl, userId)}-${schemaFingerprint(collections, schemaOf)}`;
}

const DEXIE_PREFIX = 'rxdb-dexie-';

/** RxDB's Dexie storage keeps each collection in an IndexedDB database `rxdb-dexie-<db>--<version>--<collection>`. */
export function replicaOfIndexedDb(indexedDbName: string): string | null {
  if (!indexedDbName.startsWith(DEXIE_PREFIX)) return null;
  const rest = indexedDbName.slice(DEXIE_PREFIX.length);
  const end = rest.indexOf('--');
  return end > 0 ? rest.slice(0, end) : null;
}

/** The same account's other replicas: an older schema's, or the one named before names had a fingerprint. */
export function staleReplicas(indexedDbNames: readonly string[], current: string, prefix: string): string[] {
  const found = new Set<string>();
  for (const name of indexedDbNames) {
    const replica = replicaOfIndexedDb(name);
    if (!replica || replica === current) continue;
    if (replica === prefix || replica.startsWith(`${prefix}-`)) found.add(replica);
  }
  return [...found].sort();
}

/** Commands in `from` the server has not answered, written into `to` (those already there are skipped). */
export async function carryOverUnsentCommands(from: Pick<JitDatabase, 'commands' | 'commandResults'>, to: Pick<JitDatabase, 'commands'>): Promise<number> {
  const commands = (await from.commands.find().exec()).map((d) => d.toJSON() as Command);
  if (commands.length === 0) return 0;
  const answered = new Set((await from.commandResults.find().exec()).map((d) => (d.toJSON() as CommandResult).commandId));
  const unsent = commands.filter((c) => !answered.has(c.id));
  if (unsent.length === 0) return 0;
  const present = new Set((await to.commands.findByIds(unsent.map((c) => c.id)).exec()).keys());
  const missing = unsent.filter((c) => !present.has(c.id));
  if (missing.length > 0) await to.commands.bulkInsert(missing);
  return missing.length;
}
