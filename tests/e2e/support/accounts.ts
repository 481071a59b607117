/** Demo organisation accounts (sync-server/demo/seed.ts); every demo account shares one password. */
export const DEMO_PASSWORD = 'demo-password-1';
export const E2E_ADMIN_PASSWORD = 'e2e-console-password-1';

export const APPROVERS = {
  alice: { username: 'alice', displayName: 'Alice Moreau' },
  carol: { username: 'carol', displayName: 'Carol Diaz' },
} as const;

/** Requesters and a resource each may request under a single-approver policy. */
export const REQUESTERS = {
  bob: { username: 'bob', displayName: 'Bob Nguyen', resourceId: 'res-entra-global-reader', resourceName: 'Global Reader' },
  dave: { username: 'dave', displayName: 'Dave Okafor', resourceId: 'res-entra-global-reader', resourceName: 'Global Reader' },
  frank: { username: 'frank', displayName: 'Frank Schmidt', resourceId: 'res-ad-finance-share', resourceName: 'Finance-Share-RW' },
  judy: { username: 'judy', displayName: 'Judy Chen', resourceId: 'res-ad-finance-share', resourceName: 'Finance-Share-RW' },
  grace: { username: 'grace', displayName: 'Grace Kim', resourceId: 'res-ad-finance-share', resourceName: 'Finance-Share-RW' },
} as const;

/** Configuration changes: Mallory (policy admin and approver) proposes, the admin is the second person, Heidi audits. */
export const CONFIGURERS = {
  mallory: { id: 'u-mallory', username: 'mallory', displayName: 'Mallory Reyes' },
  admin: { id: 'u-admin', username: 'admin', displayName: 'Administrator' },
  heidi: { id: 'u-heidi', username: 'heidi', displayName: 'Heidi Novak' },
} as const;
