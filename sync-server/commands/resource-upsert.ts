import { canonicalJson, err, LIVE_GRANT_STATES, ok, resolvePolicy, resourceFieldProblems, type GrantStatus, type Resource, type Result } from '../../core/index.js';
import { proposeOrApply, type PreparedChange } from './config-change.js';
import type { PrepareContext, UseCase } from './context.js';

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
export function prepareResource(sent: SentResource, ctx: PrepareContext): Result<PreparedChange> {
  const { updatedAt: _clientTime, changedBy: _clientEditors, ...resource } = sent;
  // The shape of the resource: core's checks, the same the console's editor shows inline.
  const problem = resourceFieldProblems(resource)[0];
  if (problem) return err('invalid_input', `payload.resource.${problem.field}: ${problem.message}`);
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
