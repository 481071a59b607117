import { err, ok } from '../../core/index.js';
import type { UseCase } from './context.js';

const CONNECTOR_OF_KIND = {
  entra_group: 'entra',
  entra_role: 'entra',
  entra_pim_group: 'entra',
  ad_group: 'ad',
  manual_role: 'manual',
  webhook_role: 'webhook',
} as const;

export const resourceUpsert: UseCase<'resource.upsert'> = ({ resource }, ctx) => {
  if (CONNECTOR_OF_KIND[resource.kind] !== resource.connector) {
    return err('invalid_input', `payload.resource.connector: a ${resource.kind} is served by the ${CONNECTOR_OF_KIND[resource.kind]} connector, not ${resource.connector}`);
  }
  const missing = resource.policyIds.filter((id) => ctx.store.get('policies', id) === null);
  if (missing.length > 0) return err('not_found', `payload.resource.policyIds: access policy ${missing.join(', ')} does not exist`);
  if (!ctx.store.get('users', resource.ownerId)) return err('not_found', `payload.resource.ownerId: user ${resource.ownerId} does not exist`);
  const existing = ctx.store.get('resources', resource.id);
  ctx.store.put('resources', { ...resource, updatedAt: ctx.now.toISOString() });
  ctx.audit('resource.changed', 'resource', resource.id, { name: resource.name, created: existing === null, after: resource });
  return ok({ message: `resource "${resource.name}" ${existing ? 'updated' : 'created'}`, subjectIds: [resource.id] });
};
