import { canonicalJson, err, LIVE_GRANT_STATES, ok, resolvePolicy, type GrantStatus, type Resource, type Result } from '../../core/index.js';
import { proposeOrApply, type PreparedChange } from './config-change.js';
import type { UseCase, UseCaseContext } from './context.js';

const CONNECTOR_OF_KIND = {
  entra_group: 'entra',
  entra_role: 'entra',
  entra_pim_group: 'entra',
  ad_group: 'ad',
  manual_role: 'manual',
  webhook_role: 'webhook',
} as const;

/** Entra object ids (groups, role definitions) are GUIDs; letters, digits and hyphens keep them one plain path segment. */
const GRAPH_OBJECT_ID = /^[A-Za-z0-9-]{1,128}$/;

/** Grants whose revocation or its verification still reads the resource's target: all but the verified gone. */
const TARGET_BOUND: readonly GrantStatus[] = [...LIVE_GRANT_STATES, 'revoked'];

/** The fields that say which directory object a grant lands on, in the order a refusal names them. */
function changedTargetField(before: Resource, after: Omit<Resource, 'updatedAt' | 'changedBy'>): string | null {
  if (before.kind !== after.kind) return 'kind';
  if (before.connector !== after.connector) return 'connector';
  if (before.connectorId !== after.connectorId) return 'connectorId';
  if (canonicalJson(before.target) !== canonicalJson(after.target)) return 'target';
  return null;
}

type SentResource = Omit<Resource, 'updatedAt' | 'changedBy'> & { updatedAt?: unknown; changedBy?: unknown };

/** Validates a resource as it would be written; shared by the direct upsert and a proposal's approval. */
export function prepareResource(sent: SentResource, ctx: UseCaseContext): Result<PreparedChange> {
  const { updatedAt: _clientTime, changedBy: _clientEditors, ...resource } = sent;
  if (CONNECTOR_OF_KIND[resource.kind] !== resource.connector) {
    return err('invalid_input', `payload.resource.connector: a ${resource.kind} is served by the ${CONNECTOR_OF_KIND[resource.kind]} connector, not ${resource.connector}`);
  }
  if (CONNECTOR_OF_KIND[resource.kind] === 'entra' && !GRAPH_OBJECT_ID.test(resource.target.externalId)) {
    // The id becomes a Graph URL path segment: a "." or ".." there would address another object.
    return err('invalid_input', `payload.resource.target.externalId: an Entra object id has only letters, digits and hyphens (e.g. a GUID), not "${resource.target.externalId.slice(0, 64)}"`);
  }
  const repeated = resource.policyIds.find((id, i) => resource.policyIds.indexOf(id) !== i);
  if (repeated) return err('invalid_input', `payload.resource.policyIds: ${repeated} is listed twice (its approval steps would count twice)`);
  const missing = resource.policyIds.filter((id) => ctx.store.get('policies', id) === null);
  if (missing.length > 0) return err('not_found', `payload.resource.policyIds: access policy ${missing.join(', ')} does not exist`);
  if (!ctx.store.get('users', resource.ownerId)) return err('not_found', `payload.resource.ownerId: user ${resource.ownerId} does not exist`);
  const existing = ctx.store.get('resources', resource.id);
  const next: Resource = { ...resource, changedBy: existing?.changedBy ?? [], updatedAt: ctx.now.toISOString() };
  // The policies must resolve into a chain a request can walk to its end.
  const resolved = resolvePolicy(next, ctx.store.list('policies'));
  if (!resolved.ok) return err('invalid_input', `payload.resource.policyIds: ${resolved.message}`);

  const moved = existing ? changedTargetField(existing, resource) : null;
  if (moved) {
    // Revocation and its verification read the resource at the time they run: moving it now would
    // remove (and check) another object while the granted access stays.
    const bound = ctx.store.count('grants', { where: { resourceId: resource.id }, status: TARGET_BOUND });
    if (bound > 0) {
      return err(
        'conflict',
        `payload.resource.${moved}: ${bound} live grant(s) on ${existing?.name ?? resource.id} were provisioned on the current ${moved}; revoking them would then target the wrong object. Revoke them and let the revocation be verified, or create a new resource`,
      );
    }
  }
  return ok({ kind: 'resource', before: existing, after: next });
}

export const resourceUpsert: UseCase<'resource.upsert'> = ({ resource }, ctx) => {
  const prepared = prepareResource(resource, ctx);
  return prepared.ok ? proposeOrApply(prepared.value, ctx) : prepared;
};
