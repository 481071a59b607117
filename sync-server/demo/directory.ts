import type { AccountRole } from '../../core/index.js';

/**
 * The demo organisation's people and its Entra tenant, in one place. The server's demo seed
 * (seed.ts) takes users, external ids and resource targets from here, and the demo tenant
 * (graph-tenant.ts) is seeded from the same records, so what a grant names exists in the tenant.
 */

export const DEMO_DOMAIN = 'jit.test';

export type DemoUser = {
  id: string;
  username: string;
  displayName: string;
  department: string;
  roles: AccountRole[];
  managerId?: string;
  /** The person's Entra object id. */
  entraId: string;
  /** The person's AD distinguished name. */
  adDn: string;
};

/** Entra object ids of the demo people: fixed, so a re-seeded tenant names the same objects. */
const entraObjectId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

type Person = Omit<DemoUser, 'entraId' | 'adDn'>;
const PEOPLE: readonly Person[] = [
  { id: 'u-alice', username: 'alice', displayName: 'Alice Moreau', department: 'IT Operations', roles: ['approver'] },
  { id: 'u-bob', username: 'bob', displayName: 'Bob Nguyen', department: 'Engineering', roles: ['requester'], managerId: 'u-eve' },
  { id: 'u-carol', username: 'carol', displayName: 'Carol Diaz', department: 'Security', roles: ['approver', 'reviewer'] },
  { id: 'u-dave', username: 'dave', displayName: 'Dave Okafor', department: 'Engineering', roles: ['requester'], managerId: 'u-eve' },
  { id: 'u-eve', username: 'eve', displayName: 'Eve Laurent', department: 'Engineering', roles: ['approver', 'requester'] },
  { id: 'u-frank', username: 'frank', displayName: 'Frank Schmidt', department: 'Finance', roles: ['requester'] },
  { id: 'u-grace', username: 'grace', displayName: 'Grace Kim', department: 'Finance', roles: ['requester'] },
  { id: 'u-heidi', username: 'heidi', displayName: 'Heidi Novak', department: 'Audit', roles: ['auditor'] },
  { id: 'u-ivan', username: 'ivan', displayName: 'Ivan Petrov', department: 'IT Operations', roles: ['requester'], managerId: 'u-alice' },
  { id: 'u-judy', username: 'judy', displayName: 'Judy Chen', department: 'HR', roles: ['requester'] },
  { id: 'u-mallory', username: 'mallory', displayName: 'Mallory Reyes', department: 'Security', roles: ['policy_admin', 'approver'] },
  { id: 'u-oscar', username: 'oscar', displayName: 'Oscar Silva', department: 'Support', roles: ['requester'], managerId: 'u-alice' },
];

export const DEMO_USERS: readonly DemoUser[] = PEOPLE.map((p, index) => ({
  ...p,
  entraId: entraObjectId(index + 1),
  adDn: `CN=${p.displayName},OU=Users,DC=jit,DC=test`,
}));

/** Entra groups of the demo tenant. */
export const DEMO_ENTRA_GROUPS = {
  allStaff: { id: '6a1f1c3e-0000-4000-8000-000000000100', displayName: 'All staff', description: 'Everyone in the organisation' },
  securityReaders: { id: '6a1f1c3e-0000-4000-8000-000000000101', displayName: 'SG-Security-Readers', description: 'Read-only access to security dashboards' },
  /** Eligible through PIM for groups; role-assignable, as PIM groups usually are. */
  prodOperators: { id: '6a1f1c3e-0000-4000-8000-000000000102', displayName: 'PIM Prod Operators', description: 'Operate the production subscriptions', isAssignableToRole: true },
  itOperations: { id: '6a1f1c3e-0000-4000-8000-000000000103', displayName: 'IT Operations', description: 'The IT operations team; nested in All staff' },
} as const;

/** Built-in Entra roles named by demo resources: a built-in role's definition id is its template id. */
export const DEMO_ENTRA_ROLES = {
  globalReader: { id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader', description: 'Can read everything that a Global Administrator can, but not update anything.' },
  helpdeskAdministrator: { id: '729827e3-9c14-49f7-bb1b-9608f156bbb8', displayName: 'Helpdesk Administrator', description: 'Can reset passwords for non-administrators and Helpdesk Administrators.' },
  userAdministrator: { id: 'fe930be7-5e62-47db-91af-98c3a49a38b1', displayName: 'User Administrator', description: 'Can manage all aspects of users and groups, including resetting passwords for limited admins.' },
  globalAdministrator: { id: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.' },
} as const;

/**
 * Service identities of the demo tenant (Entra service principals), with their owners: Bob owns the
 * nightly report job and asks for access on its behalf (docs/decisions/service-identities.md).
 */
export const DEMO_SERVICE_IDENTITIES = [
  { id: 'sp-demo-nightly-reports', displayName: 'Nightly report job', appId: '5e1b7c2d-0000-4000-8000-000000000201', entraId: '5e1b7c2d-0000-4000-8000-000000000301', ownerUsernames: ['bob'] },
] as const;

export type EntraDirectory = {
  users: { id: string; displayName: string; userPrincipalName: string; department: string }[];
  groups: { id: string; displayName: string; description: string; isAssignableToRole?: boolean }[];
  /** Standing direct memberships: [groupId, memberId] (a member may be a group: nesting). */
  members: [string, string][];
  /** [groupId, ownerId] */
  owners: [string, string][];
  roleDefinitions: { id: string; displayName: string; description: string }[];
  /** Last sign-in, in days before the tenant starts (null: never), as Entra's signInActivity says. */
  signIns?: { userId: string; daysAgo: number | null }[];
  /** Service principals and their owners' object ids. */
  servicePrincipals?: { id: string; appId: string; displayName: string; ownerIds: string[] }[];
};

const byUsername = (username: string): DemoUser => {
  const user = DEMO_USERS.find((u) => u.username === username);
  if (!user) throw new Error(`no demo user ${username}`);
  return user;
};

/** The demo tenant as data: what an Entra admin would see before any grant is provisioned. */
export function demoEntraDirectory(): EntraDirectory {
  const g = DEMO_ENTRA_GROUPS;
  const itTeam = DEMO_USERS.filter((u) => u.department === 'IT Operations' || u.department === 'Support');
  return {
    users: DEMO_USERS.map((u) => ({ id: u.entraId, displayName: u.displayName, userPrincipalName: `${u.username}@${DEMO_DOMAIN}`, department: u.department })),
    groups: Object.values(g).map((group) => ({ ...group })),
    members: [
      ...DEMO_USERS.filter((u) => !itTeam.includes(u)).map((u): [string, string] => [g.allStaff.id, u.entraId]),
      // Nesting: the IT team reaches All staff only through its own group.
      [g.allStaff.id, g.itOperations.id],
      ...itTeam.map((u): [string, string] => [g.itOperations.id, u.entraId]),
      // Standing access, as tenants have: Judy was put in SG-Security-Readers by hand, outside any grant (discovery finds her).
      [g.securityReaders.id, byUsername('judy').entraId],
    ],
    owners: [
      [g.securityReaders.id, byUsername('carol').entraId],
      [g.prodOperators.id, byUsername('alice').entraId],
      [g.itOperations.id, byUsername('alice').entraId],
    ],
    roleDefinitions: Object.values(DEMO_ENTRA_ROLES).map((r) => ({ ...r })),
    // Most people signed in this month; Judy, whose standing membership nobody remembers, not since the spring.
    signIns: DEMO_USERS.map((u, i) => ({ userId: u.entraId, daysAgo: u.username === 'judy' ? 140 : (i * 3) % 20 })),
    servicePrincipals: DEMO_SERVICE_IDENTITIES.map((sp) => ({ id: sp.entraId, appId: sp.appId, displayName: sp.displayName, ownerIds: sp.ownerUsernames.map((u) => byUsername(u).entraId) })),
  };
}
