/**
 * The RxDB schema is derived from the zod schema (core/sync/rx-schema.ts); these tests hold the two to the same documents.
 * Documents are generated from zod's own JSON schema, zod is the oracle of validity, and RxDB's
 * ajv validator (the one its dev-mode uses) must agree.
 */
import fc from 'fast-check';
import { getValidator } from 'rxdb/plugins/validate-ajv';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COLLECTIONS, toRxSchema, type CollectionName } from '../../core/index.js';

type JsonSchema = {
  type?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  default?: unknown;
};

const INT32 = 2 ** 31 - 1;
const safeKey = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__' && k !== 'constructor');

/** An arbitrary of values matching a JSON schema as zod emits it (not every JSON schema feature). */
function arbitraryFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(arbitraryFor));
  // A discriminated union (a proposal's change) is emitted as oneOf.
  if (schema.oneOf) return fc.oneof(...schema.oneOf.map(arbitraryFor));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (schema.type) {
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? 64;
      if (schema.format === 'date-time') return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= max);
      const lengths = [fc.string({ minLength: min, maxLength: Math.min(max, 24) })];
      // The longest allowed value too, to catch a bound lowered on one side only.
      if (max <= 5000) lengths.push(fc.string({ minLength: max, maxLength: max }));
      return fc.oneof(...lengths);
    }
    case 'integer': {
      const min = Math.max(schema.minimum ?? -INT32, -INT32);
      const max = Math.min(schema.maximum ?? INT32, INT32);
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(schema.minimum ?? min, schema.maximum ?? max));
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return fc.array(arbitraryFor(schema.items ?? {}), { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 3, 3)) });
    }
    case 'object': {
      if (schema.properties) {
        const props = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, arbitraryFor(v)]));
        return fc.record(props, { requiredKeys: schema.required ?? [] });
      }
      return fc.dictionary(safeKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

const acceptsObjects = (s: JsonSchema): boolean => s.type === 'object' || [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some(acceptsObjects);

function setup(name: CollectionName) {
  const spec = COLLECTIONS[name];
  const zodJson = z.toJSONSchema(spec.schema, { io: 'output', unrepresentable: 'any', target: 'draft-07' }) as JsonSchema;
  const rxSchema = toRxSchema(spec.schema, { primaryKey: spec.primaryKey, indexes: spec.indexes });
  const validate = getValidator(rxSchema as Parameters<typeof getValidator>[0]);
  const parse = (doc: unknown) => spec.schema.safeParse(doc);
  return { spec, zodJson, rxSchema, validate, parse };
}

const names = Object.keys(COLLECTIONS) as CollectionName[];

describe.each(names)('%s: zod and the RxDB schema agree', (name) => {
  const { zodJson, rxSchema, validate, parse } = setup(name);

  it('RxDB accepts every document zod accepts', () => {
    fc.assert(
      fc.property(arbitraryFor(zodJson), (candidate) => {
        const parsed = parse(candidate);
        fc.pre(parsed.success);
        // The replica stores what the server sends: zod's output, defaults filled in.
        expect(validate(parsed.data)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('RxDB rejects what zod rejects: a field of the wrong type, or a string over its limit', () => {
    const fields = Object.keys(zodJson.properties ?? {});
    fc.assert(
      fc.property(arbitraryFor(zodJson), fc.constantFrom(...fields), fc.boolean(), (candidate, field, overLong) => {
        const parsed = parse(candidate);
        fc.pre(parsed.success);
        const fieldSchema = zodJson.properties?.[field] ?? {};
        const tooLong = fieldSchema.type === 'string' && typeof fieldSchema.maxLength === 'number' && fieldSchema.maxLength <= 5000;
        const bad = overLong && tooLong ? 'x'.repeat((fieldSchema.maxLength ?? 0) + 1) : acceptsObjects(fieldSchema) ? 42.5 : { wrong: true };
        const mutated = { ...(parsed.data as Record<string, unknown>), [field]: bad };
        expect(parse(mutated).success).toBe(false);
        expect(validate(mutated).length).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });

  it('has the shape RxDB requires: defaults only at top level, bounded indexed fields, indexes required', () => {
    const nestedDefault = (node: unknown, depth: number): boolean => {
      if (Array.isArray(node)) return node.some((n) => nestedDefault(n, depth));
      if (node === null || typeof node !== 'object') return false;
      return Object.entries(node as Record<string, unknown>).some(([k, v]) => (k === 'default' && depth > 0) || (k !== 'enum' && k !== 'const' && k !== 'default' && nestedDefault(v, depth + 1)));
    };
    for (const prop of Object.values(rxSchema.properties)) {
      const { default: _top, ...below } = prop as Record<string, unknown>;
      expect(nestedDefault(below, 1)).toBe(false);
    }
    for (const index of [rxSchema.primaryKey, ...(rxSchema.indexes ?? [])]) {
      const prop = rxSchema.properties[index] as JsonSchema;
      expect(rxSchema.required).toContain(index);
      if (prop.type === 'string') expect(prop.maxLength).toBeTypeOf('number');
      if (prop.type === 'integer' || prop.type === 'number') {
        expect(prop.minimum).toBeTypeOf('number');
        expect(prop.maximum).toBeTypeOf('number');
      }
    }
  });
});
