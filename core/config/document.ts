import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { z } from 'zod';
import { canonicalJson } from '../audit/chain.js';
import { CONFIG_FORMAT, ConfigPolicy, ConfigProfile, ConfigResource, type ConfigDocument, type ConfigEntities } from '../schema/config.js';
import { ApprovalStep } from '../schema/policy.js';
import { ResourceTarget } from '../schema/resource.js';
import type { AccessPolicy, AccessProfile } from '../schema/policy.js';
import type { Resource } from '../schema/resource.js';

/** The stored configuration, as the server holds it (with the fields it writes). */
export type ConfigState = { policies: readonly AccessPolicy[]; resources: readonly Resource[]; profiles: readonly AccessProfile[] };

const byId = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** `value` with its keys in the order of the schema's shape (then any others, sorted), so a file's layout never depends on how a document was built. */
function inShapeOrder<T extends Record<string, unknown>>(value: T, shape: readonly string[], nested: Record<string, (v: never) => unknown> = {}): T {
  const out: Record<string, unknown> = {};
  const keys = [...shape, ...Object.keys(value).filter((k) => !shape.includes(k)).sort()];
  for (const key of keys) {
    const v = value[key];
    if (v === undefined) continue;
    const order = nested[key];
    out[key] = order ? order(v as never) : v;
  }
  return out as T;
}

const keysOf = (schema: z.ZodObject) => Object.keys(schema.shape);
const STEP_KEYS = keysOf(ApprovalStep);
const TARGET_KEYS = keysOf(ResourceTarget);

/** Each entity's fields in its schema's order, nested objects too. */
export function orderedPolicy(policy: ConfigPolicy): ConfigPolicy {
  return inShapeOrder(policy, keysOf(ConfigPolicy), { approvalSteps: (steps: ConfigPolicy['approvalSteps']) => steps.map((s) => inShapeOrder(s, STEP_KEYS)) });
}
export function orderedResource(resource: ConfigResource): ConfigResource {
  return inShapeOrder(resource, keysOf(ConfigResource), { target: (t: ConfigResource['target']) => inShapeOrder(t, TARGET_KEYS) });
}
export function orderedProfile(profile: ConfigProfile): ConfigProfile {
  return inShapeOrder(profile, keysOf(ConfigProfile));
}

/** Without the fields the server writes. */
function withoutServerFields<T extends { updatedAt: string; changedBy: unknown }>(doc: T): Omit<T, 'updatedAt' | 'changedBy'> {
  const { updatedAt: _u, changedBy: _c, ...rest } = doc;
  return rest;
}

/**
 * The configuration as a file holds it: each entity through its config schema (so fields added
 * since it was stored read as their defaults), without the server's fields, each kind by id.
 */
export function configOf(state: ConfigState): ConfigDocument {
  return {
    format: CONFIG_FORMAT,
    policies: byId(state.policies.map((p) => orderedPolicy(ConfigPolicy.parse(withoutServerFields(p))))),
    resources: byId(state.resources.map((r) => orderedResource(ConfigResource.parse(withoutServerFields(r))))),
    profiles: byId(state.profiles.map((p) => orderedProfile(ConfigProfile.parse(withoutServerFields(p))))),
  };
}

/** The same document in the canonical order (kinds, then ids; fields in schema order). */
export function canonicalConfig(doc: ConfigEntities): ConfigDocument {
  return {
    format: CONFIG_FORMAT,
    policies: byId(doc.policies.map(orderedPolicy)),
    resources: byId(doc.resources.map(orderedResource)),
    profiles: byId(doc.profiles.map(orderedProfile)),
  };
}

/**
 * A fingerprint of a configuration: an import may name the one its diff was computed against, and
 * is refused as stale if the server's has changed since (what is applied is what was shown).
 */
export function configHash(doc: ConfigEntities): string {
  const { policies, resources, profiles } = canonicalConfig(doc);
  return bytesToHex(sha256(utf8ToBytes(canonicalJson({ policies, resources, profiles }))));
}

/** When the configuration last changed: the newest updatedAt of its entities (null when there are none). */
export function configAsOf(state: ConfigState): string | null {
  let newest: string | null = null;
  for (const doc of [...state.policies, ...state.resources, ...state.profiles]) if (newest === null || doc.updatedAt > newest) newest = doc.updatedAt;
  return newest;
}
