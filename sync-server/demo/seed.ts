import { passwordDigest, type AccessPolicy, type AccessProfile, type CommandResult, type Resource } from '../../core/index.js';
import { hashPassword } from '../auth/passwords.js';
import type { CommandProcessor } from '../commands/processor.js';
import type { Store } from '../store/types.js';
import { DEMO_ENTRA_GROUPS, DEMO_ENTRA_ROLES, DEMO_SERVICE_IDENTITIES, DEMO_USERS } from './directory.js';

/** Every demo account's password (the admin's is set separately). */
export const DEMO_PASSWORD = 'demo-password-1';

export { DEMO_USERS, type DemoUser } from './directory.js';

type MfaFields = 'requireMfa' | 'requireApproverMfa' | 'mfaFreshMinutes';
type TicketFields = 'ticketSystem' | 'ticketPattern';
type RuleFields = 'autoApprovalRules' | 'accessWindows';
type PolicyInput = Omit<AccessPolicy, 'updatedAt' | 'description' | MfaFields | 'changedBy' | 'requestTtlMinutes' | 'approvalSteps' | TicketFields | RuleFields> & Partial<Pick<AccessPolicy, MfaFields | TicketFields | RuleFields>> & {
  approvalSteps: Array<Partial<AccessPolicy['approvalSteps'][number]> & Pick<AccessPolicy['approvalSteps'][number], 'name' | 'mode'>>;
  description: string;
};

/** The chain of both "Owner and security" policies: break-glass differs only in who may skip it. */
const OWNER_THEN_SECURITY: PolicyInput['approvalSteps'] = [
  { name: 'Resource owner', mode: 'any', includeResourceOwner: true },
  { name: 'Security', mode: 'any', approverIds: ['u-carol', 'u-mallory'] },
];

const POLICIES: PolicyInput[] = [
  {
    id: 'pol-auto-low',
    name: 'Low risk: automatic',
    description: 'Read-only and low-sensitivity access, approved at once for eligible people.',
    maxDurationMinutes: 8 * 60,
    defaultDurationMinutes: 60,
    requireJustification: false,
    requireTicket: false,
    approvalSteps: [],
    autoApprove: true,
    breakGlass: false,
    maxExtensions: 2,
  },
  {
    id: 'pol-single-approver',
    name: 'One approver',
    description: 'Any person holding the approver role decides.',
    maxDurationMinutes: 8 * 60,
    defaultDurationMinutes: 2 * 60,
    requireJustification: true,
    requireTicket: false,
    approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }],
    autoApprove: false,
    breakGlass: false,
    maxExtensions: 1,
  },
  {
    id: 'pol-two-step',
    name: 'Owner and security',
    description: 'The resource owner, then the security team; a change or incident ticket is required.',
    maxDurationMinutes: 4 * 60,
    defaultDurationMinutes: 60,
    requireJustification: true,
    requireTicket: true,
    approvalSteps: OWNER_THEN_SECURITY,
    autoApprove: false,
    breakGlass: false,
    maxExtensions: 0,
  },
  {
    id: 'pol-two-step-break-glass',
    name: 'Owner and security, break-glass allowed',
    description: 'Like "Owner and security", but in an emergency the requester may self-approve with a reason (everyone is notified, a review follows).',
    maxDurationMinutes: 2 * 60,
    defaultDurationMinutes: 30,
    requireJustification: true,
    requireTicket: true,
    approvalSteps: OWNER_THEN_SECURITY,
    autoApprove: false,
    breakGlass: true,
    maxExtensions: 0,
  },
  {
    id: 'pol-step-up',
    name: 'Step-up: approver with MFA',
    description: 'Secrets and keys: the requester and the approver each confirm with an authenticator code from the last 15 minutes.',
    maxDurationMinutes: 2 * 60,
    defaultDurationMinutes: 60,
    requireJustification: true,
    requireTicket: false,
    requireMfa: true,
    requireApproverMfa: true,
    mfaFreshMinutes: 15,
    approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }],
    autoApprove: false,
    breakGlass: false,
    maxExtensions: 1,
  },
];

type ResourceInput = Omit<Resource, 'updatedAt' | 'archived' | 'description' | 'changedBy'> & { description: string };

const RESOURCES: ResourceInput[] = [
  {
    id: 'res-entra-security-readers',
    name: 'SG-Security-Readers',
    description: 'Entra security group: read-only access to security dashboards.',
    kind: 'entra_group',
    connector: 'entra',
    connectorId: 'entra-demo',
    target: { externalId: DEMO_ENTRA_GROUPS.securityReaders.id },
    ownerId: 'u-carol',
    sensitivity: 'low',
    policyIds: ['pol-auto-low'],
  },
  {
    id: 'res-entra-global-reader',
    name: 'Global Reader',
    description: 'Entra directory role: read everything an admin can see, change nothing.',
    kind: 'entra_role',
    connector: 'entra',
    connectorId: 'entra-demo',
    target: { externalId: DEMO_ENTRA_ROLES.globalReader.id, directoryScopeId: '/' },
    ownerId: 'u-carol',
    sensitivity: 'medium',
    policyIds: ['pol-single-approver'],
  },
  {
    id: 'res-entra-helpdesk-admin',
    name: 'Helpdesk Administrator',
    description: 'Entra directory role: reset passwords of non-admin users.',
    kind: 'entra_role',
    connector: 'entra',
    connectorId: 'entra-demo',
    target: { externalId: DEMO_ENTRA_ROLES.helpdeskAdministrator.id, directoryScopeId: '/' },
    ownerId: 'u-alice',
    sensitivity: 'medium',
    policyIds: ['pol-single-approver'],
  },
  {
    id: 'res-entra-user-admin',
    name: 'User Administrator',
    description: 'Entra directory role: create and manage users and groups.',
    kind: 'entra_role',
    connector: 'entra',
    connectorId: 'entra-demo',
    target: { externalId: DEMO_ENTRA_ROLES.userAdministrator.id, directoryScopeId: '/' },
    ownerId: 'u-alice',
    sensitivity: 'high',
    policyIds: ['pol-two-step'],
  },
  {
    id: 'res-pim-prod-operators',
    name: 'PIM Prod Operators',
    description: 'PIM for groups membership: operate the production subscriptions.',
    kind: 'entra_pim_group',
    connector: 'entra',
    connectorId: 'entra-demo',
    target: { externalId: DEMO_ENTRA_GROUPS.prodOperators.id, accessId: 'member' },
    ownerId: 'u-alice',
    sensitivity: 'high',
    policyIds: ['pol-two-step'],
  },
  {
    id: 'res-ad-finance-share',
    name: 'Finance-Share-RW',
    description: 'AD group: write access to the finance file share.',
    kind: 'ad_group',
    connector: 'ad',
    connectorId: 'ad-demo',
    target: { externalId: 'CN=Finance-Share-RW,OU=Groups,DC=jit,DC=test' },
    ownerId: 'u-eve',
    sensitivity: 'medium',
    policyIds: ['pol-single-approver'],
  },
  {
    id: 'res-ad-server-admins',
    name: 'Server-Admins',
    description: 'AD group: local administrator on every member server.',
    kind: 'ad_group',
    connector: 'ad',
    connectorId: 'ad-demo',
    target: { externalId: 'CN=Server-Admins,OU=Groups,DC=jit,DC=test' },
    ownerId: 'u-alice',
    sensitivity: 'critical',
    policyIds: ['pol-two-step-break-glass'],
  },
  {
    id: 'res-manual-erp-payments',
    name: 'ERP payment approver',
    description: 'Application role in the ERP, granted by its owner by hand.',
    kind: 'manual_role',
    connector: 'manual',
    connectorId: 'manual',
    target: { externalId: 'erp:payments:approver' },
    ownerId: 'u-eve',
    sensitivity: 'high',
    policyIds: ['pol-single-approver'],
  },
  {
    id: 'res-manual-vault-secrets',
    name: 'Vault secrets officer',
    description: 'Read and rotate production secrets in the key vault, granted by its owner by hand.',
    kind: 'manual_role',
    connector: 'manual',
    connectorId: 'manual',
    target: { externalId: 'vault:prod:secrets-officer' },
    ownerId: 'u-carol',
    sensitivity: 'critical',
    policyIds: ['pol-step-up'],
  },
];

const PROFILES: Array<Omit<AccessProfile, 'updatedAt' | 'changedBy' | 'maxDurationMinutes' | 'enabled' | 'userIds' | 'roles' | 'departments'> & Partial<AccessProfile>> = [
  {
    id: 'prof-engineering',
    name: 'Engineering',
    description: 'Engineers: production operations and read access.',
    departments: ['Engineering'],
    resourceIds: ['res-entra-global-reader', 'res-pim-prod-operators', 'res-ad-server-admins', 'res-entra-security-readers'],
  },
  {
    id: 'prof-business',
    name: 'Finance and HR',
    description: 'Business departments: finance share and ERP roles.',
    departments: ['Finance', 'HR'],
    resourceIds: ['res-ad-finance-share', 'res-manual-erp-payments', 'res-entra-security-readers'],
  },
  {
    id: 'prof-it-operations',
    name: 'IT operations and support',
    description: 'Directory administration roles for the IT team.',
    departments: ['IT Operations', 'Support'],
    resourceIds: ['res-entra-helpdesk-admin', 'res-entra-user-admin', 'res-ad-server-admins', 'res-entra-security-readers'],
  },
  {
    id: 'prof-approvers',
    name: 'Approvers',
    description: 'Everyone holding the approver role may read the directory.',
    roles: ['approver'],
    resourceIds: ['res-entra-global-reader', 'res-entra-security-readers'],
  },
  {
    id: 'prof-security',
    name: 'Security team',
    description: 'The security department may ask for the vault’s secrets, under step-up MFA.',
    departments: ['Security'],
    resourceIds: ['res-manual-vault-secrets'],
  },
];

type DemoRequest = { key: string; by: string; resourceId: string; minutes: number; justification: string; ticket?: string };

const PENDING: DemoRequest[] = [
  { key: 'bob-global-reader', by: 'u-bob', resourceId: 'res-entra-global-reader', minutes: 120, justification: 'Investigate sign-in failures for incident INC-4821', ticket: 'INC-4821' },
  { key: 'dave-prod-operators', by: 'u-dave', resourceId: 'res-pim-prod-operators', minutes: 60, justification: 'Apply the approved database failover change', ticket: 'CHG-1203' },
  { key: 'frank-finance-share', by: 'u-frank', resourceId: 'res-ad-finance-share', minutes: 240, justification: 'Quarter-end close: update the reconciliation workbooks' },
  { key: 'grace-erp-payments', by: 'u-grace', resourceId: 'res-manual-erp-payments', minutes: 480, justification: 'Cover payment approvals while Frank is on leave' },
  { key: 'ivan-helpdesk', by: 'u-ivan', resourceId: 'res-entra-helpdesk-admin', minutes: 120, justification: 'Password reset queue for the Monday backlog' },
  { key: 'oscar-user-admin', by: 'u-oscar', resourceId: 'res-entra-user-admin', minutes: 60, justification: 'Onboard the new support contractors', ticket: 'CHG-1210' },
  { key: 'judy-finance-share', by: 'u-judy', resourceId: 'res-ad-finance-share', minutes: 60, justification: 'Upload the payroll adjustments for March' },
  { key: 'bob-server-admins', by: 'u-bob', resourceId: 'res-ad-server-admins', minutes: 30, justification: 'Patch the build servers after the OpenSSL advisory', ticket: 'CHG-1222' },
];

const APPROVED: Array<DemoRequest & { approver: string }> = [
  { key: 'dave-global-reader', by: 'u-dave', resourceId: 'res-entra-global-reader', minutes: 240, justification: 'Audit conditional access policies', approver: 'u-eve' },
  { key: 'frank-erp-payments', by: 'u-frank', resourceId: 'res-manual-erp-payments', minutes: 120, justification: 'Release the supplier payment run', approver: 'u-alice' },
];

/** The demo's resources as seeded (the demo AD domain creates the groups they name). */
export const DEMO_RESOURCES: readonly ResourceInput[] = RESOURCES;

export type SeedSummary = { seeded: boolean; users: number; resources: number; policies: number; profiles: number; requests: number };

/**
 * A small organisation for demos and manual testing: 12 people across departments, resources of
 * every kind, five policies (one asking for step-up MFA), five profiles, pending and approved requests, all through the command
 * processor so the audit log tells the story. Seeds only an empty store (no resources, policies or
 * users other than admin).
 */
export async function seedDemoOrganisation(store: Store, processor: CommandProcessor, now: Date): Promise<SeedSummary> {
  const admin = store.getAccountByUsername('admin');
  if (!admin) throw new Error('seedDemoOrganisation needs the admin account; create it first');
  const empty = store.count('resources') === 0 && store.count('policies') === 0 && store.count('users') <= 1;
  if (!empty) return { seeded: false, users: 0, resources: 0, policies: 0, profiles: 0, requests: 0 };

  const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(DEMO_PASSWORD)));
  const at = now.toISOString();
  let counter = 0;
  const run = (actorId: string, type: string, payload: Record<string, unknown>, id?: string): CommandResult => {
    counter++;
    // The demo organisation is configured by trusted code in one go, as the server's first configuration.
    const result = processor.apply({ id: id ?? `demo-cmd-${counter}`, type, actorId, payload, createdAt: at, baseRevision: null }, { bootstrap: type.endsWith('.upsert') });
    if (result.status !== 'applied') throw new Error(`demo seed: ${type} by ${actorId} was rejected: ${result.code}: ${result.message}`);
    return result;
  };

  store.tx(() => {
    DEMO_USERS.forEach((user, index) => {
      store.createAccount({ id: user.id, username: user.username, passwordHash: hashes[index] as string, roles: user.roles, createdAt: at });
      store.put('users', {
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        email: `${user.username}@jit.test`,
        department: user.department,
        managerId: user.managerId ?? null,
        roles: user.roles,
        externalIds: { entra: user.entraId, ad: user.adDn },
        updatedAt: at,
      });
      store.appendAudit({ type: 'account.created', actorId: admin.id, subjectType: 'account', subjectId: user.id, data: { username: user.username, roles: user.roles, demo: true, passwordDigest: passwordDigest(hashes[index] as string) }, at });
    });
    // Service identities, as the directory sync keeps them: no account, no role; their owners ask for them.
    for (const sp of DEMO_SERVICE_IDENTITIES) {
      store.put('users', {
        id: sp.id,
        username: sp.appId,
        displayName: sp.displayName,
        email: '',
        department: '',
        managerId: null,
        roles: [],
        externalIds: { entra: sp.entraId },
        disabled: false,
        kind: 'service',
        ownerIds: sp.ownerUsernames.map((u) => DEMO_USERS.find((p) => p.username === u)!.id),
        updatedAt: at,
      });
    }
    for (const policy of POLICIES) run(admin.id, 'policy.upsert', { policy });
    for (const resource of RESOURCES) run(admin.id, 'resource.upsert', { resource });
    for (const profile of PROFILES) run(admin.id, 'profile.upsert', { profile });

    for (const r of PENDING) {
      run(r.by, 'request.create', { requestId: `req-demo-${r.key}`, resourceId: r.resourceId, durationMinutes: r.minutes, justification: r.justification, ticket: r.ticket ?? '' });
    }
    // One two-step request half way: the owner has approved, security has not yet.
    run('u-alice', 'request.approve', { requestId: 'req-demo-dave-prod-operators', reason: 'Change CHG-1203 is on the calendar' });
    for (const r of APPROVED) {
      run(r.by, 'request.create', { requestId: `req-demo-${r.key}`, resourceId: r.resourceId, durationMinutes: r.minutes, justification: r.justification, ticket: r.ticket ?? '' });
      run(r.approver, 'request.approve', { requestId: `req-demo-${r.key}`, reason: 'ok' });
    }
    // Low-risk access is approved automatically.
    run('u-ivan', 'request.create', { requestId: 'req-demo-ivan-security-readers', resourceId: 'res-entra-security-readers', durationMinutes: 60, justification: '', ticket: '' });
  });

  return {
    seeded: true,
    users: DEMO_USERS.length,
    resources: RESOURCES.length,
    policies: POLICIES.length,
    profiles: PROFILES.length,
    requests: PENDING.length + APPROVED.length + 1,
  };
}
