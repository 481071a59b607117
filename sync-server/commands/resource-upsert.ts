import { canonicalJson, err, LIVE_GRANT_STATES, ok, resolvePolicy, type GrantStatus, type Resource } from '../../core/index.js';
import type { UseCase } from './context.js';

const CONNECTOR_OF_KIND = {
  entra_group: 'entra',
  entra_role: 'entra',
  entra_pim_group: 'entra',
  ad_group: 'ad',
  manual_role: 'manual',
  webhook_role: 'webhook',
} as const;

/** Grants whose revocation or its verification still reads the resource's target: all but the verified gone. */
const TARGET_BOUND: readonly GrantStatus[] = [...LIVE_GRANT_STATES, 'revoked'];

/** The fields that say which directory object a grant lands on, in the order a refusal names them. */
function changedTargetField(before: Resource, after: Omit<Resource, 'updatedAt'>): string | null {
  if (before.kind !== after.kind) return 'kind';
  if (before.connector !== after.connector) return 'connector';
  if (before.connectorId !== after.connectorId) return 'connectorId';
  if (canonicalJson(before.target) !== canonicalJson(after.target)) return 'target';
  return null;
}

export const resourceUpsert: UseCase<'resource.upsert'> = ({ resource: sent }, ctx) => {
  const { updatedAt: _clientTime, ...resource } = sent;
  if (CONNECTOR_OF_KIND[resource.kind] !== resource.connector) {
    return err('invalid_input', `payload.resource.connector: a ${resource.kind} is served by the ${CONNECTOR_OF_KIND[resource.kind]} connector, not ${resource.connector}`);
  }
  const repeated = resource.policyIds.find((id, i) => resource.policyIds.indexOf(id) !== i);
  if (repeated) return err('invalid_input', `payload.resource.policyIds: ${repeated} is listed twice (its approval steps would count twice)`);
  const missing = resource.policyIds.filter((id) => ctx.store.get('policies', id) === null);
  if (missing.length > 0) return err('not_found', `payload.resource.policyIds: access policy ${missing.join(', ')} does not exist`);
  if (!ctx.store.get('users', resource.ownerId)) return err('not_found', `payload.resource.ownerId: user ${resource.ownerId} does not exist`);
  const next: Resource = { ...resource, updatedAt: ctx.now.toISOString() };
  // The policies must resolve into a chain a request can walk to its end.
  const resolved = resolvePolicy(next, ctx.store.list('policies'));
  if (!resolved.ok) return err('invalid_input', `payload.resource.policyIds: ${resolved.message}`);

  const existing = ctx.store.get('resources', resource.id);
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
  ctx.store.put('resources', next);
  ctx.audit('resource.changed', 'resource', resource.id, { name: resource.name, created: existing === null, after: resource });
  return ok({ message: `resource "${resource.name}" ${existing ? 'updated' : 'created'}`, subjectIds: [resource.id] });
};
