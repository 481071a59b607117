/**
 * The access profile form without React: who is a member (named people, whole departments,
 * holders of an account role), which resources they may request, an optional duration cap, and
 * whether it is in force; checked with core's AccessProfile schema.
 */
import { AccessProfile, type AccountRole } from '../../../core/index.js';
import { minutesAsText, readDuration, schemaProblems, type Problems } from './form-fields.js';

export type ProfileDraft = {
  id: string;
  name: string;
  description: string;
  resourceIds: string[];
  userIds: string[];
  departments: string[];
  roles: AccountRole[];
  /** Empty: no cap of its own (the policies decide). */
  cap: string;
  enabled: boolean;
};

export type ProfilePayload = Omit<AccessProfile, 'changedBy' | 'updatedAt'>;

export function draftOfProfile(profile: AccessProfile): ProfileDraft {
  return {
    id: profile.id,
    name: profile.name,
    description: profile.description,
    resourceIds: [...profile.resourceIds],
    userIds: [...profile.userIds],
    departments: [...profile.departments],
    roles: [...profile.roles],
    cap: profile.maxDurationMinutes === null ? '' : minutesAsText(profile.maxDurationMinutes),
    enabled: profile.enabled,
  };
}

export function newProfileDraft(): ProfileDraft {
  return { id: '', name: '', description: '', resourceIds: [], userIds: [], departments: [], roles: [], cap: '', enabled: true };
}

const SCHEMA_TIME = '2000-01-01T00:00:00.000Z';

export type ProfileCheck = { profile: ProfilePayload | null; problems: Problems };

export function checkProfileDraft(draft: ProfileDraft): ProfileCheck {
  const problems: Problems = {};
  let cap: number | null = null;
  if (draft.cap.trim() !== '') {
    const read = readDuration(draft.cap);
    if ('problem' in read) problems.maxDurationMinutes = read.problem;
    else cap = read.minutes;
  }
  const parsed = AccessProfile.safeParse({
    id: draft.id,
    name: draft.name.trim(),
    description: draft.description.trim(),
    resourceIds: [...draft.resourceIds],
    userIds: [...draft.userIds],
    departments: draft.departments.map((d) => d.trim()).filter(Boolean),
    roles: [...draft.roles],
    maxDurationMinutes: cap,
    enabled: draft.enabled,
    changedBy: [],
    updatedAt: SCHEMA_TIME,
  });
  schemaProblems(parsed, problems);
  if (!parsed.success || Object.keys(problems).length > 0) return { profile: null, problems };
  const { changedBy: _c, updatedAt: _u, ...profile } = parsed.data;
  return { profile, problems };
}

/** Whether anyone at all can be a member: a profile naming nobody makes nobody eligible. */
export const namesNobody = (draft: ProfileDraft) => draft.userIds.length === 0 && draft.departments.length === 0 && draft.roles.length === 0;

export const PROFILE_FIELDS = ['name', 'description', 'resourceIds', 'userIds', 'departments', 'roles', 'maxDurationMinutes', 'enabled'];
