/** A query's answer: matching rows in sequence order, read a page at a time. */
import type { AuditIndex } from './audit-index.js';

/** One event as the index holds it: everything but its data, which the replica keeps. */
export type IndexedEvent = {
  row: number;
  seq: number;
  /** Epoch milliseconds. */
  at: number;
  type: string;
  actorId: string | null;
  /** The person it is about, when known (a requester, a grant's holder, an account). */
  personId: string | null;
  resourceId: string | null;
  subjectType: string;
  subjectId: string;
};

export type Order = 'newest' | 'oldest';

export class AuditResult {
  constructor(
    private readonly index: AuditIndex,
    /** Row numbers, ascending by sequence. */
    readonly rows: Uint32Array,
  ) {}

  get total(): number {
    return this.rows.length;
  }

  /** The i-th event in the given order (newest first by default). */
  at(i: number, order: Order = 'newest'): IndexedEvent {
    const k = order === 'newest' ? this.rows.length - 1 - i : i;
    return this.index.eventAt(this.rows[k]!);
  }

  page(offset: number, limit: number, order: Order = 'newest'): IndexedEvent[] {
    const out: IndexedEvent[] = [];
    for (let i = offset; i < Math.min(this.total, offset + limit); i++) out.push(this.at(i, order));
    return out;
  }

  /** Where the event with this sequence sits in the given order, or -1. */
  positionOf(seq: number, order: Order = 'newest'): number {
    const seqs = this.index.seq.data;
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = seqs[this.rows[mid]!]!;
      if (s === seq) return order === 'newest' ? this.rows.length - 1 - mid : mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** How many of the matches are of each type, most first. */
  countsByType(): Array<{ type: string; count: number }> {
    const counts = new Uint32Array(this.index.types.values.length);
    const types = this.index.type.data;
    for (const row of this.rows) counts[types[row]!]!++;
    const out: Array<{ type: string; count: number }> = [];
    counts.forEach((count, code) => {
      if (count > 0) out.push({ type: this.index.types.values[code]!, count });
    });
    return out.sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
  }

  /** How many distinct people the matches involve (actors and people concerned). */
  peopleInvolved(): number {
    const seen = new Set<number>();
    const { actor, person } = this.index;
    for (const row of this.rows) {
      const a = actor.data[row]!;
      const p = person.data[row]!;
      if (a) seen.add(a);
      if (p) seen.add(p);
    }
    return seen.size;
  }
}
