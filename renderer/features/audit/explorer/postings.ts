/**
 * The explorer index's building blocks: growable columns and posting lists of row numbers, and
 * bitsets over rows for intersecting them. Rows are appended in order, so every posting list is
 * sorted by construction.
 */

/** A growable Uint32 column (or posting list): doubling capacity, amortised O(1) append. */
export class U32List {
  data: Uint32Array;
  length = 0;

  constructor(capacity = 4) {
    this.data = new Uint32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(Math.max(4, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  last(): number | undefined {
    return this.length > 0 ? this.data[this.length - 1] : undefined;
  }

  /** The filled part, without copying. */
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

/** A growable Float64 column (times in epoch milliseconds). */
export class F64List {
  data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

/** A growable Uint8 column (small codes: event types, subject kinds). */
export class U8List {
  data: Uint8Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Uint8Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Uint8Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

/**
 * Rows of one key. Most free-text tokens (a ticket, a request id) occur once or twice, so a key's
 * rows start as a plain number and become a list only on a second row: a million events carry
 * hundreds of thousands of such tokens, and a typed array each would cost more than the columns.
 */
export type Postings = number | U32List;

export function addPosting(map: Map<string | number, Postings>, key: string | number, row: number): void {
  const held = map.get(key);
  if (held === undefined) map.set(key, row);
  else if (typeof held === 'number') {
    if (held === row) return;
    const list = new U32List(4);
    list.push(held);
    list.push(row);
    map.set(key, list);
  } else if (held.last() !== row) held.push(row);
}

/** A posting's rows (or codes), ascending. */
export function postingRows(p: Postings | undefined): Iterable<number> {
  return p === undefined ? [] : typeof p === 'number' ? [p] : p.view();
}

export function postingCount(p: Postings | undefined): number {
  return p === undefined ? 0 : typeof p === 'number' ? 1 : p.length;
}

/** A set of rows as bits: one facet's union, then the facets ANDed together. */
export class RowSet {
  readonly words: Uint32Array;

  constructor(readonly size: number) {
    this.words = new Uint32Array((size + 31) >>> 5);
  }

  add(row: number): void {
    this.words[row >>> 5]! |= 1 << (row & 31);
  }

  has(row: number): boolean {
    return (this.words[row >>> 5]! & (1 << (row & 31))) !== 0;
  }

  addPostings(p: Postings | undefined): void {
    if (p === undefined) return;
    if (typeof p === 'number') {
      if (p < this.size) this.add(p);
      return;
    }
    const { data, length } = p;
    const words = this.words;
    for (let i = 0; i < length; i++) {
      const row = data[i]!;
      if (row >= this.size) break;
      words[row >>> 5]! |= 1 << (row & 31);
    }
  }

  and(other: RowSet): void {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) a[i]! &= b[i]!;
  }

  /** The rows held, ascending. */
  rows(): Uint32Array {
    let count = 0;
    for (const word of this.words) count += popcount(word);
    const out = new Uint32Array(count);
    let k = 0;
    const words = this.words;
    for (let i = 0; i < words.length; i++) {
      let w = words[i]!;
      while (w !== 0) {
        const bit = 31 - Math.clz32(w & -w);
        out[k++] = (i << 5) + bit;
        w &= w - 1;
      }
    }
    return out;
  }
}

function popcount(n: number): number {
  n -= (n >>> 1) & 0x55555555;
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
