import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A Graph error the router turns into Graph's error body. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Scalar = string | boolean | number | null;
export type FilterClause =
  | { op: 'eq' | 'ne'; property: string; value: Scalar }
  | { op: 'in'; property: string; values: Scalar[] }
  | { op: 'startswith'; property: string; value: string };

const unsupported = (filter: string): GraphError =>
  new GraphError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified: '${filter}'.`);

function parseLiteral(text: string, filter: string): Scalar {
  const t = text.trim();
  if (t.startsWith("'") && t.endsWith("'") && t.length >= 2) return t.slice(1, -1).replace(/''/g, "'");
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  // Graph accepts bare GUIDs for some properties; treat them as strings.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t)) return t;
  throw unsupported(filter);
}

/** Splits on ` and ` outside quotes. `or` is not supported (Graph supports it only in some places). */
function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let depthQuote = false;
  let current = '';
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i] as string;
    if (ch === "'") depthQuote = !depthQuote;
    if (!depthQuote && filter.slice(i, i + 5).toLowerCase() === ' and ') {
      parts.push(current);
      current = '';
      i += 4;
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

export function parseFilter(filter: string | null): FilterClause[] {
  if (filter === null || filter.trim() === '') return [];
  return splitAnd(filter).map((clause) => {
    const starts = /^startswith\(\s*([A-Za-z][\w/]*)\s*,\s*('(?:[^']|'')*')\s*\)$/i.exec(clause);
    if (starts) return { op: 'startswith', property: starts[1] as string, value: String(parseLiteral(starts[2] as string, filter)) };
    const inMatch = /^([A-Za-z][\w/]*)\s+in\s+\((.*)\)$/i.exec(clause);
    if (inMatch) {
      const values = (inMatch[2] as string).split(/,(?=(?:[^']*'[^']*')*[^']*$)/).map((v) => parseLiteral(v, filter));
      return { op: 'in', property: inMatch[1] as string, values };
    }
    const cmp = /^([A-Za-z][\w/]*)\s+(eq|ne)\s+(.+)$/i.exec(clause);
    if (cmp) return { op: (cmp[2] as string).toLowerCase() as 'eq' | 'ne', property: cmp[1] as string, value: parseLiteral(cmp[3] as string, filter) };
    throw unsupported(filter);
  });
}

function equalsScalar(a: unknown, b: Scalar): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

/** Applies the parsed filter; properties not in `allowed` answer 400 like Graph's unsupported filters. */
export function applyFilter<T extends Record<string, unknown>>(items: T[], clauses: FilterClause[], allowed: readonly string[], filterText: string): T[] {
  for (const clause of clauses) if (!allowed.includes(clause.property)) throw unsupported(filterText);
  return items.filter((item) =>
    clauses.every((clause) => {
      const actual = item[clause.property];
      switch (clause.op) {
        case 'eq':
          return equalsScalar(actual, clause.value);
        case 'ne':
          return !equalsScalar(actual, clause.value);
        case 'in':
          return clause.values.some((v) => equalsScalar(actual, v));
        case 'startswith':
          return typeof actual === 'string' && actual.toLowerCase().startsWith(clause.value.toLowerCase());
      }
    }),
  );
}

export function parseSelect(select: string | null, known: readonly string[]): string[] | undefined {
  if (select === null || select.trim() === '') return undefined;
  const fields = select.split(',').map((f) => f.trim()).filter((f) => f.length > 0);
  for (const field of fields) {
    if (!known.includes(field)) {
      throw new GraphError(400, 'Request_BadRequest', `Could not find a property named '${field}' on type 'microsoft.graph.directoryObject'.`);
    }
  }
  return fields;
}

/** Keeps `@odata.*` annotations and the selected properties. */
export function project(item: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
  if (!fields) return item;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (key.startsWith('@odata.')) out[key] = value;
  for (const field of fields) if (field in item) out[field] = item[field];
  return out;
}

/**
 * Opaque page cursors: the offset and a hash of the query they belong to, sealed with AES-GCM so a
 * caller cannot build or edit one; it must follow the nextLink as given.
 */
export class CursorSealer {
  private readonly key = randomBytes(32);

  seal(queryFingerprint: string, offset: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const plain = Buffer.from(JSON.stringify({ q: hashOf(queryFingerprint), o: offset }));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** A delta query's state (what it selected, where it stands) as an opaque token only we can open. */
  sealState(state: object): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(Buffer.from(JSON.stringify(state))), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The state `sealState` sealed; a token it did not issue answers 400 with `code`. */
  openState(token: string, code: string): unknown {
    try {
      const raw = Buffer.from(token, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as unknown;
    } catch {
      throw new GraphError(400, code, 'The delta or skip token is invalid or was not issued for this request.');
    }
  }

  open(token: string, queryFingerprint: string): number {
    const invalid = new GraphError(400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
    try {
      const raw = Buffer.from(token, 'base64url');
      if (raw.length < 29) throw invalid;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      const parsed = JSON.parse(plain.toString('utf8')) as { q?: unknown; o?: unknown };
      if (parsed.q !== hashOf(queryFingerprint) || typeof parsed.o !== 'number') throw invalid;
      return parsed.o;
    } catch {
      throw invalid;
    }
  }
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** ISO 8601 durations as PIM accepts them (PnDTnHnMnS, PnW). */
export function parseIsoDurationMs(duration: string): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) return undefined;
  const [, w, d, h, min, s] = m;
  return (((Number(w ?? 0) * 7 + Number(d ?? 0)) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}
