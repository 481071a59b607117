/**
 * Writing many documents of one collection in one go (a campaign's review items when it opens):
 * exactly the rows, seqs and commit changes that put() once per document in the same transaction
 * writes (store.test.ts holds the two side by side), without what put() pays per document: a
 * savepoint, a MAX(seq) query and its own transaction wrapper. Every document is validated
 * before the first is written, so a bad one leaves nothing behind and is named by its position.
 */
import type Database from 'better-sqlite3';
import type { CollectionDoc, CollectionName, WireDoc } from '../../core/index.js';
import { validated } from './validate.js';

/** One document written in the open transaction, for the change feed once it commits. */
export type PendingChange = { collection: CollectionName; doc: WireDoc<unknown>; seq: number; id: string };

export type BulkTarget = {
  /** INSERT ... ON CONFLICT (collection, id) DO UPDATE of (collection, id, seq, doc, deleted). */
  upsert: Database.Statement;
  /** The highest seq written so far (documents share one global counter). */
  maxSeq: () => number;
  /** The open transaction's change list. */
  pending: PendingChange[];
};

/** Validates, then writes each document with the next seqs in the order given. Call inside a transaction. */
export function writeMany<C extends CollectionName>(target: BulkTarget, collection: C, docs: readonly unknown[]): CollectionDoc<C>[] {
  const values = docs.map((doc, index) =>
    validated(collection, doc, () => {
      const id = (doc as { id?: unknown } | null)?.id;
      return `document ${index + 1} of ${docs.length}${typeof id === 'string' ? `, id ${id}` : ''}`;
    }),
  );
  let seq = target.maxSeq();
  for (const value of values) {
    seq++;
    target.upsert.run(collection, value.id, seq, JSON.stringify(value), 0);
    target.pending.push({ collection, id: value.id, seq, doc: { ...value, _deleted: false } });
  }
  return values;
}
