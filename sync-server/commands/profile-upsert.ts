import { err, ok, type AccessProfile, type Result } from '../../core/index.js';
import { proposeOrApply, type PreparedChange } from './config-change.js';
import type { PrepareContext, UseCase } from './context.js';

const listed = (ids: string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;

type SentProfile = Omit<AccessProfile, 'updatedAt' | 'changedBy'> & { updatedAt?: unknown; changedBy?: unknown };

/** Validates a profile as it would be written; shared by the direct upsert and a proposal's approval. */
export function prepareProfile(sent: SentProfile, ctx: PrepareContext): Result<PreparedChange> {
  const { updatedAt: _clientTime, changedBy: _clientEditors, ...profile } = sent;
  const missing = profile.resourceIds.filter((id) => ctx.store.get('resources', id) === null);
  if (missing.length > 0) return err('not_found', `payload.profile.resourceIds: resource ${listed(missing)} does not exist`);
  // Naming a user who does not exist would make whoever later gets that id eligible.
  const strangers = profile.userIds.filter((id) => ctx.store.get('users', id) === null);
  if (strangers.length > 0) return err('not_found', `payload.profile.userIds: user ${listed(strangers)} does not exist`);
  const existing = ctx.store.get('profiles', profile.id);
  return ok({ kind: 'profile', before: existing, after: { ...profile, changedBy: existing?.changedBy ?? [], updatedAt: ctx.now.toISOString() } });
}

export const profileUpsert: UseCase<'profile.upsert'> = ({ profile }, ctx) => {
  const prepared = prepareProfile(profile, ctx);
  return prepared.ok ? proposeOrApply(prepared.value, ctx) : prepared;
};
