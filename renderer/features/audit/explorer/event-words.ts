/** Audit event types in words, and grouped the way people look for them. */
import { AuditEventType } from '../../../../core/index.js';

const WORDS: Partial<Record<string, string>> = {
  'account.created': 'Account created',
  'account.unlocked': 'Account unlocked',
  'account.password_reset': 'Password reset by an admin',
  'account.password_changed': 'Password changed',
  'account.roles_changed': 'Roles changed',
  'account.role_change_proposed': 'Role change proposed',
  'account.role_change_cancelled': 'Role change cancelled',
  'account.disabled': 'Account disabled',
  'account.enabled': 'Account enabled',
  'account.signed_out_everywhere': 'Signed out everywhere',
  'account.mfa_enrolment_started': 'Two-step enrolment started',
  'account.mfa_enrolled': 'Two-step verification enrolled',
  'account.mfa_removed': 'Two-step verification removed',
  'account.linked': 'Linked to a directory object',
  'account.unlinked': 'Unlinked from a directory object',
  'auth.login_succeeded': 'Signed in',
  'auth.login_failed': 'Sign-in failed',
  'auth.step_up_succeeded': 'Second factor given',
  'auth.step_up_failed': 'Second factor refused',
  'command.rejected': 'Command rejected',
  'request.created': 'Request submitted',
  'request.eligibility_checked': 'Eligibility confirmed',
  'request.ineligible': 'Found ineligible',
  'request.approval_recorded': 'Approval recorded',
  'request.approved': 'Request approved',
  'request.denied': 'Request denied',
  'request.cancelled': 'Request cancelled',
  'request.expired': 'Request expired undecided',
  'request.escalated': 'Request escalated',
  'request.break_glass': 'Break-glass self-approval',
  'grant.created': 'Grant created',
  'grant.provision_started': 'Provisioning started',
  'grant.provisioned': 'Access provisioned',
  'grant.provision_failed': 'Provisioning failed',
  'grant.effective_verified': 'Verified effective',
  'grant.extended': 'Grant extended',
  'grant.shortened': 'Grant shortened',
  'grant.revoke_requested': 'Revocation requested',
  'grant.revoke_started': 'Revocation started',
  'grant.revoked': 'Access revoked',
  'grant.revoke_failed': 'Revocation failed',
  'grant.revoke_escalated': 'Revocation escalated',
  'grant.revocation_verified': 'Verified gone',
  'grant.revocation_not_verified': 'Still present after revocation',
  'grant.drift_detected': 'Drift detected',
  'grant.drift_check_passed': 'Drift check passed',
  'policy.changed': 'Policy changed',
  'profile.changed': 'Access profile changed',
  'resource.changed': 'Resource changed',
  'proposal.created': 'Proposal made',
  'proposal.applied': 'Proposal applied',
  'proposal.rejected': 'Proposal rejected',
  'proposal.withdrawn': 'Proposal withdrawn',
  'task.created': 'Task created',
  'task.reminded': 'Task reminder sent',
  'task.closed': 'Task closed',
  'connector.configured': 'Connector configured',
  'standing.discovery_requested': 'Discovery asked for',
  'standing.discovered': 'Standing access discovered',
  'standing.converted': 'Standing access made eligible',
  'directory.synced': 'Directory synced',
  'ticket_hook.secret_set': 'Ticket-check secret set',
  'ticket_hook.secret_removed': 'Ticket-check secret removed',
  'person.offboarded': 'Person offboarded',
  'person.duty_reassigned': 'Duty moved to a fallback',
  'person.directory_disabled': 'Disabled in the directory',
  'offboard_webhook.secret_set': 'Offboarding webhook secret set',
  'offboard_webhook.secret_removed': 'Offboarding webhook secret removed',
  'offboard_webhook.refused': 'Offboarding call refused',
  'audit.integrity_alert': 'Audit integrity alert',
};

/** "grant.revoke_failed" -> "Revocation failed"; a type without words yet reads from its name. */
export function eventTypeWords(type: string): string {
  const known = WORDS[type];
  if (known) return known;
  const [area = '', what = type] = type.split('.');
  const text = `${area} ${what}`.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const GROUP_WORDS: Record<string, string> = {
  request: 'Requests',
  grant: 'Grants',
  account: 'Accounts',
  auth: 'Sign-in',
  policy: 'Configuration',
  profile: 'Configuration',
  resource: 'Configuration',
  proposal: 'Proposals',
  task: 'Tasks',
  connector: 'Connectors',
  standing: 'Standing access',
  directory: 'Directory',
  person: 'Offboarding',
  offboard_webhook: 'Offboarding',
  ticket_hook: 'Configuration',
  command: 'Commands',
  audit: 'Audit trail',
};

export function eventGroup(type: string): string {
  return GROUP_WORDS[type.split('.')[0] ?? ''] ?? 'Other';
}

/** Every type of the closed list, grouped, in the order the picker shows them. */
export function typeGroups(): Array<{ group: string; types: Array<{ type: string; words: string }> }> {
  const groups = new Map<string, Array<{ type: string; words: string }>>();
  for (const type of AuditEventType.options) {
    const group = eventGroup(type);
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group)!.push({ type, words: eventTypeWords(type) });
  }
  return [...groups].map(([group, types]) => ({ group, types }));
}

/** Tone of an event for its pill: colour always beside words. */
export function eventTone(type: string): 'danger' | 'success' | 'warning' | 'neutral' {
  if (/failed|denied|rejected|not_verified|drift_detected|ineligible|escalated|refused|integrity_alert|break_glass/.test(type)) return 'danger';
  if (/approved|provisioned|verified|passed|succeeded|applied/.test(type)) return 'success';
  if (/revoke|expired|cancelled|disabled|offboarded|shortened/.test(type)) return 'warning';
  return 'neutral';
}
