import type { GraphStandin } from './index.js';

/**
 * A small standalone directory for the stand-in's own tests and `cli.ts --demo`. The demo
 * organisation of `npm start` seeds the stand-in from sync-server/demo/directory.ts instead.
 */
export const DEMO_IDS = {
  users: {
    ada: '0a1d0000-0000-4000-8000-000000000001',
    grace: '0a1d0000-0000-4000-8000-000000000002',
    linus: '0a1d0000-0000-4000-8000-000000000003',
    margaret: '0a1d0000-0000-4000-8000-000000000004',
    ken: '0a1d0000-0000-4000-8000-000000000005',
    barbara: '0a1d0000-0000-4000-8000-000000000006',
    alan: '0a1d0000-0000-4000-8000-000000000007',
    frances: '0a1d0000-0000-4000-8000-000000000008',
  },
  groups: {
    financeAdmins: '0b2e0000-0000-4000-8000-000000000001',
    payrollApprovers: '0b2e0000-0000-4000-8000-000000000002',
    helpdesk: '0b2e0000-0000-4000-8000-000000000003',
    tier0Admins: '0b2e0000-0000-4000-8000-000000000004',
    serverOperators: '0b2e0000-0000-4000-8000-000000000005',
    allStaff: '0b2e0000-0000-4000-8000-000000000006',
  },
  /** Built-in Entra role definitions: their ids are the well-known template ids. */
  roles: {
    globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
    userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
    groupsAdministrator: 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
    privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    helpdeskAdministrator: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
    securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  },
} as const;

/** A small organisation: nested groups, role definitions, one standing role assignment. */
export function seedDemo(standin: GraphStandin): void {
  const u = DEMO_IDS.users;
  const g = DEMO_IDS.groups;
  const r = DEMO_IDS.roles;
  const people: Array<[string, string, string, string]> = [
    [u.ada, 'Ada Lovelace', 'ada', 'Finance'],
    [u.grace, 'Grace Hopper', 'grace', 'IT'],
    [u.linus, 'Linus Torvalds', 'linus', 'IT'],
    [u.margaret, 'Margaret Hamilton', 'margaret', 'Security'],
    [u.ken, 'Ken Thompson', 'ken', 'IT'],
    [u.barbara, 'Barbara Liskov', 'barbara', 'Finance'],
    [u.alan, 'Alan Turing', 'alan', 'Security'],
    [u.frances, 'Frances Allen', 'frances', 'Helpdesk'],
  ];
  for (const [id, displayName, alias, department] of people) {
    const [givenName, surname] = displayName.split(' ') as [string, string];
    standin.addUser({ id, displayName, userPrincipalName: `${alias}@contoso.test`, givenName, surname, department });
  }
  standin.addGroup({ id: g.allStaff, displayName: 'All staff', description: 'Everyone in the organisation' });
  standin.addGroup({ id: g.financeAdmins, displayName: 'Finance admins', description: 'Administrators of the finance system' });
  standin.addGroup({ id: g.payrollApprovers, displayName: 'Payroll approvers', description: 'Nested in Finance admins' });
  standin.addGroup({ id: g.helpdesk, displayName: 'Helpdesk operators', description: 'Password resets and device support' });
  standin.addGroup({ id: g.tier0Admins, displayName: 'Tier 0 admins', description: 'Identity infrastructure administrators', isAssignableToRole: true });
  standin.addGroup({ id: g.serverOperators, displayName: 'Server operators', description: 'Nested in Tier 0 admins' });
  for (const [id] of people) standin.addMember(g.allStaff, id);
  standin.addMember(g.financeAdmins, u.ada);
  standin.addMember(g.financeAdmins, g.payrollApprovers);
  standin.addMember(g.payrollApprovers, u.barbara);
  standin.addMember(g.helpdesk, u.frances);
  standin.addMember(g.tier0Admins, u.margaret);
  standin.addMember(g.tier0Admins, g.serverOperators);
  standin.addMember(g.serverOperators, u.ken);
  standin.addOwner(g.financeAdmins, u.ada);
  standin.addOwner(g.tier0Admins, u.margaret);
  standin.addRoleDefinition({ id: r.globalAdministrator, displayName: 'Global Administrator', description: 'Can manage all aspects of Microsoft Entra ID.' });
  standin.addRoleDefinition({ id: r.userAdministrator, displayName: 'User Administrator', description: 'Can manage all aspects of users and groups.' });
  standin.addRoleDefinition({ id: r.groupsAdministrator, displayName: 'Groups Administrator', description: 'Members of this role can create and manage groups.' });
  standin.addRoleDefinition({ id: r.privilegedRoleAdministrator, displayName: 'Privileged Role Administrator', description: 'Can manage role assignments in Microsoft Entra ID.' });
  standin.addRoleDefinition({ id: r.helpdeskAdministrator, displayName: 'Helpdesk Administrator', description: 'Can reset passwords for non-administrators.' });
  standin.addRoleDefinition({ id: r.securityAdministrator, displayName: 'Security Administrator', description: 'Can read security information and reports.' });
  // A standing assignment the console should surface as standing privilege.
  standin.addRoleAssignment({ principalId: u.margaret, roleDefinitionId: r.globalAdministrator });
}
