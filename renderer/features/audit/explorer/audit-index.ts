/**
 * The audit explorer's local index: audit events appended as they arrive (in any batch size, in
 * any order, each sequence once), kept as columns (seq, time, type, actor, person, resource,
 * subject) with posting lists per person, resource, type, UTC day, subject and grant, and a
 * prefix-searchable word index over the events' free-text fields. A query ORs the values of each
 * filter, ANDs the filters as bitsets over rows, and answers in sequence order. The events'
 * `data` is not kept: a row is read whole from the replica when someone opens it.
 */
import type { AuditEvent } from '../../../../core/index.js';
import { facetsOf, queryWords, textFieldsOf, tokenize, type SubjectFacts } from './event-facets.js';
import { addPosting, F64List, RowSet, U32List, U8List, type Postings } from './postings.js';
import { AuditResult, type IndexedEvent } from './audit-result.js';
import { Vocabulary } from './vocabulary.js';
import { matchWord, type NameBook } from './text-match.js';

export type { IndexedEvent } from './audit-result.js';
export { AuditResult } from './audit-result.js';
export type { NameBook } from './text-match.js';

export type AuditFilter = {
  /** Events each person did or that are about them (any of these people). */
  people?: readonly string[];
  resources?: readonly string[];
  types?: readonly string[];
  /** Epoch milliseconds, from inclusive, to exclusive. */
  from?: number | null;
  to?: number | null;
  /** Every word must match something of the event (prefix): its text, subject, people, resource or type. */
  text?: string;
  /** One grant's story: its events, its request's, its extensions' and its tasks'. */
  grantId?: string | null;
};

const DAY = 86_400_000;

/** Strings to small integers and back; code 0 means "none". */
export class Dictionary {
  private readonly codes = new Map<string, number>();
  readonly values: string[] = [''];

  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.codes.set(value, code);
      this.values.push(value);
    }
    return code;
  }

  find(value: string): number | undefined {
    return this.codes.get(value);
  }

  get size(): number {
    return this.values.length - 1;
  }
}

export class AuditIndex {
  readonly people = new Dictionary();
  readonly resources = new Dictionary();
  readonly subjects = new Dictionary();
  readonly types = new Dictionary();
  readonly subjectTypes = new Dictionary();

  /** Sequence numbers (below 2^32), times in epoch ms, and codes: typed columns, one slot per row. */
  readonly seq = new U32List(1024);
  readonly at = new F64List();
  readonly type = new U8List();
  readonly subjectType = new U8List();
  readonly actor = new U32List(1024);
  readonly person = new U32List(1024);
  readonly resource = new U32List(1024);
  readonly subject = new U32List(1024);

  readonly byPerson = new Map<number, Postings>();
  readonly byResource = new Map<number, Postings>();
  readonly byType = new Map<number, Postings>();
  readonly byDay = new Map<number, Postings>();
  readonly bySubject = new Map<number, Postings>();
  readonly byGrant = new Map<number, Postings>();
  readonly byWord = new Map<string, Postings>();
  readonly words = new Vocabulary();
  /** Subject id words ("r-123", "123") to the subject codes that carry them (a number until a second one). */
  readonly subjectWords = new Map<string, Postings>();
  readonly subjectVocabulary = new Vocabulary();

  /**
   * What events said of a subject, by subject code: its person, resource and grant as codes (0:
   * not said), so a million events' requests, grants and tasks cost three integers each, not an object.
   */
  private readonly factPerson = new U32List(1024);
  private readonly factResource = new U32List(1024);
  private readonly factGrant = new U32List(1024);
  /** Row + 1 by sequence (0: not held), so an event arriving twice is indexed once. */
  private rowOfSeq = new Uint32Array(1024);
  private maxSeq = 0;
  /** False once an event arrived older than one already held: results are then sorted by seq. */
  private ordered = true;
  private readonly lookup: ((subjectId: string) => SubjectFacts | undefined) | undefined;

  /** `lookup`: what the replica knows of a subject whose creating event this index never saw. */
  constructor(options: { lookup?: (subjectId: string) => SubjectFacts | undefined } = {}) {
    this.lookup = options.lookup;
  }

  get size(): number {
    return this.seq.length;
  }

  get lastSeq(): number {
    return this.maxSeq;
  }

  has(seq: number): boolean {
    return seq < this.rowOfSeq.length && this.rowOfSeq[seq] !== 0;
  }

  /** Appends events; those already held (same seq) are skipped. Returns how many were new. */
  append(events: Iterable<AuditEvent>): number {
    let added = 0;
    for (const event of events) if (this.appendOne(event)) added++;
    return added;
  }

  private known = (subjectId: string): SubjectFacts | undefined => this.factsOf(subjectId) ?? this.lookup?.(subjectId);

  private factsOf(subjectId: string): SubjectFacts | undefined {
    const code = this.subjects.find(subjectId);
    if (code === undefined || code >= this.factPerson.length) return undefined;
    const person = this.factPerson.data[code]!;
    const resource = this.factResource.data[code]!;
    const grant = this.factGrant.data[code]!;
    if (person === 0 && resource === 0 && grant === 0) return undefined;
    const facts: SubjectFacts = {};
    if (person) facts.personId = this.people.values[person];
    if (resource) facts.resourceId = this.resources.values[resource];
    if (grant) facts.grantId = this.subjects.values[grant];
    return facts;
  }

  private appendOne(event: AuditEvent): boolean {
    const seq = event.seq;
    if (this.has(seq)) return false;
    const row = this.seq.length;
    if (seq >= this.rowOfSeq.length) {
      const next = new Uint32Array(Math.max(seq + 1, this.rowOfSeq.length * 2));
      next.set(this.rowOfSeq);
      this.rowOfSeq = next;
    }
    this.rowOfSeq[seq] = row + 1;
    if (seq < this.maxSeq) this.ordered = false;
    else this.maxSeq = seq;

    const facets = facetsOf(event, this.known);
    for (const [id, learned] of facets.learned) this.learn(id, learned, row);

    const at = Date.parse(event.at);
    const typeCode = this.types.code(event.type);
    const actorCode = event.actorId ? this.people.code(event.actorId) : 0;
    const personCode = facets.personId ? this.people.code(facets.personId) : 0;
    const resourceCode = facets.resourceId ? this.resources.code(facets.resourceId) : 0;
    const subjectCode = this.subjectCode(event.subjectId);

    this.seq.push(seq);
    this.at.push(at);
    this.type.push(typeCode);
    this.subjectType.push(this.subjectTypes.code(event.subjectType));
    this.actor.push(actorCode);
    this.person.push(personCode);
    this.resource.push(resourceCode);
    this.subject.push(subjectCode);

    if (actorCode) addPosting(this.byPerson, actorCode, row);
    if (personCode && personCode !== actorCode) addPosting(this.byPerson, personCode, row);
    if (resourceCode) addPosting(this.byResource, resourceCode, row);
    addPosting(this.byType, typeCode, row);
    addPosting(this.byDay, Math.floor(at / DAY), row);
    addPosting(this.bySubject, subjectCode, row);
    if (facets.grantId) addPosting(this.byGrant, this.subjectCode(facets.grantId), row);

    const words = new Set<string>();
    for (const text of textFieldsOf(event.data)) tokenize(text, words);
    for (const word of words) {
      if (!this.byWord.has(word)) this.words.add(word);
      addPosting(this.byWord, word, row);
    }
    return true;
  }

  /** A subject's code; a subject seen for the first time has its id's words indexed. */
  private subjectCode(id: string): number {
    const held = this.subjects.find(id);
    if (held !== undefined) return held;
    const code = this.subjects.code(id);
    for (const word of tokenize(id)) {
      if (!this.subjectWords.has(word)) this.subjectVocabulary.add(word);
      addPosting(this.subjectWords, word, code);
    }
    return code;
  }

  /**
   * Remembers what an event said of a subject; a request that joins a grant brings its earlier
   * events into the grant's timeline (they came before the grant existed).
   */
  private learn(id: string, learned: SubjectFacts, row: number): void {
    const subjectCode = this.subjectCode(id);
    const grantBefore = setAt(this.factGrant, subjectCode, 0);
    if (learned.personId) setAt(this.factPerson, subjectCode, this.people.code(learned.personId));
    if (learned.resourceId) setAt(this.factResource, subjectCode, this.resources.code(learned.resourceId));
    if (learned.grantId) setAt(this.factGrant, subjectCode, this.subjectCode(learned.grantId));
    if (!learned.grantId || this.subjects.values[grantBefore] === learned.grantId) return;
    if (learned.grantId === id) return;
    const earlier = this.bySubject.get(subjectCode);
    if (earlier === undefined) return;
    const grantCode = this.subjectCode(learned.grantId);
    const merged = new Set<number>();
    const collect = (p: Postings | undefined) => {
      if (p === undefined) return;
      if (typeof p === 'number') merged.add(p);
      else for (const r of p.view()) merged.add(r);
    };
    collect(this.byGrant.get(grantCode));
    collect(earlier);
    const rows = [...merged].filter((r) => r < row).sort((a, b) => a - b);
    const list = new U32List(Math.max(4, rows.length + 4));
    for (const r of rows) list.push(r);
    this.byGrant.set(grantCode, list);
  }

  /** One row as the results table shows it. */
  eventAt(row: number): IndexedEvent {
    return {
      row,
      seq: this.seq.data[row]!,
      at: this.at.data[row]!,
      type: this.types.values[this.type.data[row]!]!,
      actorId: this.people.values[this.actor.data[row]!] || null,
      personId: this.people.values[this.person.data[row]!] || null,
      resourceId: this.resources.values[this.resource.data[row]!] || null,
      subjectType: this.subjectTypes.values[this.subjectType.data[row]!]!,
      subjectId: this.subjects.values[this.subject.data[row]!]!,
    };
  }

  /** Events matching every filter given, in sequence order. */
  query(filter: AuditFilter, names: NameBook = {}): AuditResult {
    const n = this.size;
    const sets: RowSet[] = [];
    const union = (map: Map<number, Postings>, codes: Iterable<number | undefined>) => {
      const set = new RowSet(n);
      for (const code of codes) if (code !== undefined) set.addPostings(map.get(code));
      sets.push(set);
    };
    if (filter.people?.length) union(this.byPerson, filter.people.map((id) => this.people.find(id)));
    if (filter.resources?.length) union(this.byResource, filter.resources.map((id) => this.resources.find(id)));
    if (filter.types?.length) union(this.byType, filter.types.map((t) => this.types.find(t)));
    if (filter.grantId) union(this.byGrant, [this.subjects.find(filter.grantId)]);
    if (filter.from != null || filter.to != null) sets.push(this.period(filter.from ?? null, filter.to ?? null));
    for (const word of filter.text ? queryWords(filter.text) : []) sets.push(matchWord(this, word, names, n));

    let rows: Uint32Array;
    if (sets.length === 0) rows = Uint32Array.from({ length: n }, (_, i) => i);
    else {
      const [first, ...rest] = sets;
      for (const set of rest) first!.and(set);
      rows = first!.rows();
    }
    return new AuditResult(this, this.ordered ? rows : this.inSeqOrder(rows));
  }

  private period(from: number | null, to: number | null): RowSet {
    const set = new RowSet(this.size);
    const lo = from ?? -Infinity;
    const hi = to ?? Infinity;
    const at = this.at.data;
    for (const [day, postings] of this.byDay) {
      const start = day * DAY;
      const end = start + DAY;
      if (end <= lo || start >= hi) continue;
      if (start >= lo && end <= hi) {
        set.addPostings(postings);
        continue;
      }
      // A day cut by the period's edge: each of its events checked by time.
      const check = (row: number) => {
        const t = at[row]!;
        if (t >= lo && t < hi) set.add(row);
      };
      if (typeof postings === 'number') check(postings);
      else for (const row of postings.view()) check(row);
    }
    return set;
  }

  private inSeqOrder(rows: Uint32Array): Uint32Array {
    const seqs = new Uint32Array(rows.length);
    for (let i = 0; i < rows.length; i++) seqs[i] = this.seq.data[rows[i]!]!;
    seqs.sort();
    const out = new Uint32Array(rows.length);
    for (let i = 0; i < seqs.length; i++) out[i] = this.rowOfSeq[seqs[i]!]! - 1;
    return out;
  }

  /** What is held, roughly, in bytes: the columns and the posting lists (for the bench and the page). */
  approximateBytes(): number {
    let bytes = this.seq.data.byteLength + this.at.data.byteLength + this.type.data.byteLength + this.subjectType.data.byteLength;
    bytes += this.actor.data.byteLength + this.person.data.byteLength + this.resource.data.byteLength + this.subject.data.byteLength + this.rowOfSeq.byteLength;
    bytes += this.factPerson.data.byteLength + this.factResource.data.byteLength + this.factGrant.data.byteLength;
    for (const map of [this.byPerson, this.byResource, this.byType, this.byDay, this.bySubject, this.byGrant, this.byWord, this.subjectWords] as Map<unknown, Postings>[]) {
      for (const p of map.values()) bytes += typeof p === 'number' ? 8 : p.data.byteLength + 48;
    }
    return bytes;
  }
}

/**
 * Sets slot `i` of a column (grown with zeros up to it) to `value`, or only reads it when value is 0;
 * answers what the slot held before.
 */
function setAt(list: U32List, i: number, value: number): number {
  while (list.length <= i) list.push(0);
  const before = list.data[i]!;
  if (value !== 0) list.data[i] = value;
  return before;
}
