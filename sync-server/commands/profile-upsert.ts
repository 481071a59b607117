import { err, ok } from '../../core/index.js';
import type { UseCase } from './context.js';

export const profileUpsert: UseCase<'profile.upsert'> = ({ profile }, ctx) => {
  const missing = profile.resourceIds.filter((id) => ctx.store.get('resources', id) === null);
  if (missing.length > 0) {
    return err('not_found', `payload.profile.resourceIds: resource ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} does not exist`);
  }
  const existing = ctx.store.get('profiles', profile.id);
  ctx.store.put('profiles', { ...profile, updatedAt: ctx.now.toISOString() });
  ctx.audit('profile.changed', 'profile', profile.id, {
    name: profile.name,
    created: existing === null,
    enabled: profile.enabled,
    resourceIds: profile.resourceIds.length,
    userIds: profile.userIds.length,
    departments: profile.departments,
    roles: profile.roles,
  });
  return ok({ message: `access profile "${profile.name}" ${existing ? 'updated' : 'created'}`, subjectIds: [profile.id] });
};
