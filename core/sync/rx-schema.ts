import { z } from 'zod';

/** The subset of RxDB's JSON schema we produce. */
export type RxJsonSchemaLike = {
  version: number;
  primaryKey: string;
  type: 'object';
  properties: Record<string, unknown>;
  required: string[];
  indexes?: string[];
  additionalProperties?: boolean;
};

const INDEXED_STRING_MAX = 128;

/** RxDB accepts `default` only on top-level fields (SC7); below that, defaults are zod's business. */
function withoutDefaults(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDefaults);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(node as Record<string, unknown>)) {
    if (keyword === 'default') continue;
    if (keyword === 'enum' || keyword === 'const') out[keyword] = value;
    else if (keyword === 'properties' && value !== null && typeof value === 'object') {
      // Keys here are field names, not keywords: a field may be called "default".
      out[keyword] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([field, sub]) => [field, withoutDefaults(sub)]));
    } else out[keyword] = withoutDefaults(value);
  }
  return out;
}

function withoutNestedDefaults(prop: Record<string, unknown>): Record<string, unknown> {
  const stripped = withoutDefaults(prop) as Record<string, unknown>;
  if ('default' in prop) stripped.default = prop.default;
  return stripped;
}

/**
 * Derives the RxDB JSON schema from the zod schema, so there is one schema. RxDB needs a
 * maxLength on the primary key and on indexed strings, and numeric bounds on indexed numbers.
 */
export function toRxSchema(schema: z.ZodObject, opts: { primaryKey: string; indexes?: readonly string[]; version?: number }): RxJsonSchemaLike {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-07' }) as {
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  const properties: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(json.properties)) {
    const p = withoutNestedDefaults(prop);
    delete p.$schema;
    if (name === opts.primaryKey || opts.indexes?.includes(name)) {
      // Keep zod's own bound so every value zod accepts is also accepted here.
      if (p.type === 'string' && typeof p.maxLength !== 'number') {
        p.maxLength = INDEXED_STRING_MAX;
      }
      if (p.type === 'string' && p.format === 'date-time') {
        delete p.pattern;
        p.maxLength = 32;
      }
      if (p.type === 'integer' || p.type === 'number') {
        p.minimum ??= 0;
        p.maximum ??= Number.MAX_SAFE_INTEGER;
        p.multipleOf ??= 1;
      }
    }
    properties[name] = p;
  }
  const indexes = opts.indexes?.map((i) => i) ?? [];
  return {
    version: opts.version ?? 0,
    primaryKey: opts.primaryKey,
    type: 'object',
    properties,
    required: Array.from(new Set([opts.primaryKey, ...(json.required ?? []), ...indexes])),
    indexes,
    additionalProperties: false,
  };
}
