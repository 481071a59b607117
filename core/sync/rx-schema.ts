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
    const p = { ...prop };
    delete p.$schema;
    if (name === opts.primaryKey || opts.indexes?.includes(name)) {
      if (p.type === 'string' && (typeof p.maxLength !== 'number' || (p.maxLength as number) > INDEXED_STRING_MAX)) {
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
