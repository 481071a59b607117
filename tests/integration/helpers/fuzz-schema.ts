/**
 * JSON-Schema-driven values for the hostile-input fuzz (fuzz-cases.ts): `validValue` makes a value a
 * schema accepts, `invalidValue` one that breaks it in exactly one place it is sure to be refused
 * (an unknown key in a closed object, a missing required key, a wrongly typed value, a string or
 * number outside its rule). The schemas are the server's own (its OpenAPI document, the command
 * payloads' zod schemas), so fields added later are fuzzed without touching this file.
 */
import fc from 'fast-check';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  nullable?: boolean;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};

/** Valid strings that are hostile anywhere they are shown, logged, sliced or used as a key. */
export const HOSTILE_TEXT: readonly string[] = [
  'nul\u0000byte',
  '\u0000',
  'lone \ud800 high',
  'lone \udfff low',
  '\udc00\ud800',
  `${'x'.repeat(63)}\u{1F600}`, // a pair straddling a 64-unit cut
  'bidi \u202Eevil\u202C txt',
  '\u2066isolate\u2069',
  '\u200B\u200D\uFEFF',
  '../../etc/passwd',
  '..',
  '%2e%2e%2f',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '{"$gt":""}',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '\r\nSet-Cookie: x=1',
  '${process.env}',
  'Ω≈ç√∫ 𝕏 👩‍👩‍👧',
];

/** Keys no closed object knows; several are prototype-pollution attempts. */
export const HOSTILE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'actorId', 'requesterId', 'status', 'hasOwnProperty', '', ' id', 'id\u0000', '\ud800'];

/** Ids the Id rule accepts but nothing has: lookups of them must answer "not found", not misbehave. */
export const DANGLING_IDS: readonly string[] = ['..', '.', '...', '__proto__', 'constructor', 'toString', 'valueOf', '@', ':', 'req-demo-bob-global-reader.', 'x'.repeat(128), `a:${'9'.repeat(60)}`];

const ID_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@-'];

const clone = <T>(v: T): T => structuredClone(v);

/** Sets an own property, `__proto__` included (plain assignment would change the prototype instead). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function types(schema: JsonSchema): Set<string> | null {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const all = new Set<string>();
    for (const b of branches) {
      const t = types(b);
      if (t === null) return null;
      for (const x of t) all.add(x);
    }
    return all;
  }
  if (schema.const !== undefined || schema.enum) return new Set((schema.enum ?? [schema.const]).map((v) => (v === null ? 'null' : typeof v)));
  if (schema.type === undefined) return schema.properties ? new Set(['object']) : null;
  const set = new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
  if (set.has('integer')) set.add('number');
  if (schema.nullable) set.add('null');
  return set;
}

function stringArb(s: JsonSchema, key: string, pools: Record<string, readonly string[]>): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 64, 64);
  if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.pattern) {
    const pool = pools[key] ?? pools[key.replace(/s$/, '')];
    const id = fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: Math.max(1, min), maxLength: Math.max(1, max) });
    return pool && pool.length ? fc.oneof(fc.constantFrom(...pool), id) : id;
  }
  const text = fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.constantFrom(...HOSTILE_TEXT.filter((t) => t.length >= min && t.length <= (s.maxLength ?? Infinity))));
  return text.map((t) => (min > 0 && t.trim().length === 0 ? `x${t}` : t));
}

/** A value the schema accepts. `pools` name real ids per key (requestId -> seeded request ids). */
export function validValue(schema: JsonSchema, pools: Record<string, readonly string[]> = {}, key = '', depth = 0): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return fc.oneof(...branches.map((b) => validValue(b, pools, key, depth)));
  const t = types(schema);
  if (t === null) return fc.jsonValue({ maxDepth: 2 });
  const type = [...t].find((x) => x !== 'null') ?? 'null';
  switch (type) {
    case 'object': {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const entries: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, sub] of Object.entries(props)) entries[k] = validValue(sub, pools, k, depth + 1);
      return fc.record(entries, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    case 'array': {
      const min = schema.minItems ?? 0;
      return fc.array(validValue(schema.items ?? {}, pools, key, depth + 1), { minLength: min, maxLength: Math.max(min, Math.min(schema.maxItems ?? 3, depth > 2 ? min : 3)) });
    }
    case 'string':
      return stringArb(schema, key, pools);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -1000;
      const max = Math.min(schema.maximum ?? 1000, min + 10_000);
      return type === 'integer' ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    default:
      return fc.constant(null);
  }
}

/** What to do at a place: set it to a value, add an unknown key to it, or remove a required key from it. */
type Break = { how: string } & ({ set: unknown } | { addKey: string; value: unknown } | { dropKey: string });
/** One place a value can be broken so that the schema surely refuses it. */
type Site = { path: (string | number)[]; breaks: fc.Arbitrary<Break> };

const ANY_OF_TYPE: Record<string, fc.Arbitrary<unknown>> = {
  string: fc.constantFrom('1', '', 'true', 'null', ...HOSTILE_TEXT.slice(0, 4)),
  number: fc.constantFrom(0, -1, 1.5, 1e308, -0),
  boolean: fc.boolean(),
  null: fc.constant(null),
  object: fc.constantFrom({}, { nested: { x: 1 } }),
  array: fc.constantFrom([], [1, 'a'], [[]]),
};

function getAt(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);
}

function withAt(value: unknown, path: (string | number)[], change: (parent: Record<string | number, unknown>, key: string | number) => void): unknown {
  const copy = clone(value);
  if (path.length === 0) {
    const holder: Record<string, unknown> = { root: copy };
    change(holder, 'root');
    return holder.root;
  }
  change(getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>, path[path.length - 1] as string | number);
  return copy;
}

function sites(value: unknown, schema: JsonSchema, path: (string | number)[], out: Site[], nodes: { n: number }): void {
  if (++nodes.n > 400) return;
  const allowed = types(schema);
  if (allowed) {
    const wrong = Object.keys(ANY_OF_TYPE).filter((t) => !allowed.has(t) && !(t === 'number' && allowed.has('integer')));
    if (wrong.length) {
      out.push({ path, breaks: fc.constantFrom(...wrong).chain((t) => (ANY_OF_TYPE[t] as fc.Arbitrary<unknown>).map((v) => ({ set: v, how: `${path.join('.') || 'body'} as ${t}` }))) });
    }
  }
  if (schema.anyOf || schema.oneOf || value === null || value === undefined) return;
  const at = path.join('.') || 'body';
  if (typeof value === 'string') {
    const bad: fc.Arbitrary<string>[] = [];
    const unmatched = schema.pattern ? HOSTILE_TEXT.filter((t) => !new RegExp(schema.pattern as string).test(t)) : [];
    if (unmatched.length) bad.push(fc.constantFrom(...unmatched));
    if (schema.maxLength !== undefined) bad.push(fc.constant('x'.repeat(schema.maxLength + 1)), fc.constant('\u{1F600}'.repeat(schema.maxLength + 1)));
    if (schema.minLength && schema.minLength > 0) bad.push(fc.constant(''));
    if (schema.enum) bad.push(fc.constantFrom(...HOSTILE_TEXT, ...schema.enum.map((e) => `${String(e).toUpperCase()} `)));
    if (schema.format === 'date-time') bad.push(fc.constantFrom('2030-02-30T00:00:00Z', 'yesterday', '2030-01-01T00:00:00+01:00', '2030-01-01'));
    if (bad.length) out.push({ path, breaks: fc.oneof(...bad).map((v) => ({ set: v, how: `${at} broken string` })) });
  } else if (typeof value === 'number') {
    const bad: number[] = [];
    if (schema.minimum !== undefined) bad.push(schema.minimum - 1);
    if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER) bad.push(schema.maximum + 1);
    if (schema.type === 'integer') bad.push(1.5, 2 ** 53 + 2);
    if (bad.length) out.push({ path, breaks: fc.constantFrom(...bad).map((v) => ({ set: v, how: `${at} out of range` })) });
  } else if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && schema.maxItems <= 64) {
      const item = value[0] ?? null;
      out.push({ path, breaks: fc.constant({ set: Array.from({ length: (schema.maxItems ?? 0) + 1 }, () => clone(item)), how: `${at} too many items` }) });
    }
    value.forEach((v, i) => schema.items && sites(v, schema.items, [...path, i], out, nodes));
  } else if (typeof value === 'object') {
    const props = schema.properties ?? {};
    const obj = value as Record<string, unknown>;
    if (schema.additionalProperties === false) {
      const unknownKeys = HOSTILE_KEYS.filter((k) => !(k in props));
      out.push({ path, breaks: fc.tuple(fc.constantFrom(...unknownKeys), fc.jsonValue({ maxDepth: 1 })).map(([k, v]) => ({ addKey: k, value: v, how: `${at} unknown key ${JSON.stringify(k)}` })) });
    }
    const present = (schema.required ?? []).filter((k) => k in obj);
    if (present.length) out.push({ path, breaks: fc.constantFrom(...present).map((k) => ({ dropKey: k, how: `${at} without ${k}` })) });
    for (const [k, sub] of Object.entries(props)) if (k in obj) sites(obj[k], sub, [...path, k], out, nodes);
  }
}

/** A copy of `value` (valid for `schema`) broken in one place; `how` says where and how. */
export function invalidValue(value: unknown, schema: JsonSchema): fc.Arbitrary<{ value: unknown; how: string }> {
  const found: Site[] = [];
  sites(value, schema, [], found, { n: 0 });
  return fc.constantFrom(...found).chain((site) =>
    site.breaks.map((b) => {
      const at = (change: (parent: Record<string | number, unknown>, key: string | number) => void) => ({ value: withAt(value, site.path, change), how: b.how });
      if ('addKey' in b) return at((p, k) => setOwn(p[k] as Record<string, unknown>, b.addKey, b.value));
      if ('dropKey' in b) return at((p, k) => delete (p[k] as Record<string, unknown>)[b.dropKey]);
      return at((p, k) => (p[k] = b.set));
    }),
  );
}
