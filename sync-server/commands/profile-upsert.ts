import { err, ok } from '../../core/index.js';
import type { UseCase } from './context.js';

const listed = (ids: string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;

export const profileUpsert: UseCase<'profile.upsert'> = ({ profile: sent }, ctx) => {
  const { updatedAt: _clientTime, ...profile } = sent;
  const missing = profile.resourceIds.filter((id) => ctx.store.get('resources', id) === null);
  if (missing.length > 0) return err('not_found', `payload.profile.resourceIds: resource ${listed(missing)} does not exist`);
  // Naming a user who does not exist would make whoever later gets that id eligible.
  const strangers = profile.userIds.filter((id) => ctx.store.get('users', id) === null);
  if (strangers.length > 0) return err('not_found', `payload.profile.userIds: user ${listed(strangers)} does not exist`);
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
