import type { AccountRole } from '../schema/common.js';
import type { CommandType } from '../schema/command.js';
import type { CollectionName } from '../sync/protocol.js';
import { EXPORT_ROLES } from './exports.js';

/**
 * The authorisation matrix: every command and endpoint against every role and relation, as data.
 * The server reads its role checks from here (COMMAND_ROLES, ENDPOINT_ACCESS, SYNC_ACCESS); the
 * relation rules are enforced by the use cases and held to this table by a test that tries every
 * cell against a real server (tests/integration/access-matrix.test.ts). README shows it.
 */

export const ALL_ROLES: readonly AccountRole[] = ['requester', 'approver', 'policy_admin', 'reviewer', 'auditor', 'admin'];
const NOBODY: readonly AccountRole[] = [];

/**
 * How the sender stands to the command's subject:
 * - own: their own request, grant or proposal (the requester, grantee, proposer; for a grant a
 *   service identity holds, one of its owners: core/engine/principal.ts); the campaign they own; a
 *   review item about their own access;
 * - approver: named on the request's current approval step;
 * - assignee: the task is assigned to them (and is not about their own grant); the review item's
 *   current stage names them as a reviewer (and it is not about their own access);
 * - other: none of these;
 * - any: the command has no subject of that kind (creating a request, editing configuration).
 */
export type Relation = 'own' | 'approver' | 'assignee' | 'other' | 'any';

export type CommandAccess = { subject: 'request' | 'grant' | 'task' | 'proposal' | 'configuration' | 'campaign' | 'review item' | 'export'; cells: Partial<Record<Relation, readonly AccountRole[]>>; note?: string };

const DECIDERS: readonly AccountRole[] = ['approver', 'admin', 'requester'];
const CONFIGURERS: readonly AccountRole[] = ['policy_admin', 'admin'];
const ASKERS: readonly AccountRole[] = ['requester', 'approver', 'admin'];
/** Who runs access reviews: security reviewers and admins. */
const CAMPAIGN_OWNERS: readonly AccountRole[] = ['reviewer', 'admin'];
/** Who may be a review item's reviewer: a role whose replica holds the items it names them on (SYNC_READ reviews). */
export const REVIEWING_ROLES: readonly AccountRole[] = ['approver', 'policy_admin', 'reviewer', 'admin'];

export const COMMAND_MATRIX: Record<CommandType, CommandAccess> = {
  'request.create': { subject: 'request', cells: { any: ASKERS } },
  // Nobody decides their own request (break-glass, a compensated exception, is tested on its own).
  // A resource owner or manager named on a step may hold only the requester role: they decide as approvers.
  'request.approve': { subject: 'request', cells: { own: NOBODY, approver: DECIDERS, other: NOBODY }, note: 'break-glass aside: the requester may approve their own request in an emergency where the policy allows it, and a second person reviews it' },
  'request.deny': { subject: 'request', cells: { own: NOBODY, approver: DECIDERS, other: NOBODY } },
  'request.cancel': { subject: 'request', cells: { own: ASKERS, other: ['admin'] } },
  'grant.revoke': { subject: 'grant', cells: { own: ['approver', 'admin', 'requester'], other: ['approver', 'admin'] } },
  // Only the grantee asks for more time; the extension request then walks the approval chain.
  'grant.extend': { subject: 'grant', cells: { own: ASKERS, other: NOBODY } },
  // Shortening to the configured maximum only tightens: those who set the maximum may, for anyone's grant.
  'grant.shorten': { subject: 'grant', cells: { own: CONFIGURERS, other: CONFIGURERS }, note: 'only grants past their maximum as configured now' },
  'policy.upsert': { subject: 'configuration', cells: { any: CONFIGURERS } },
  'profile.upsert': { subject: 'configuration', cells: { any: CONFIGURERS } },
  'resource.upsert': { subject: 'configuration', cells: { any: CONFIGURERS } },
  // Four eyes: never the proposer; the proposer may withdraw.
  'proposal.approve': { subject: 'proposal', cells: { own: NOBODY, other: CONFIGURERS } },
  'proposal.reject': { subject: 'proposal', cells: { own: CONFIGURERS, other: CONFIGURERS } },
  // Tasks go to resource owners, who may hold only the requester role; never about one's own grant.
  'task.close': { subject: 'task', cells: { assignee: ['approver', 'admin', 'policy_admin', 'requester'], own: NOBODY, other: ['admin'] } },
  'config.import': { subject: 'configuration', cells: { any: CONFIGURERS }, note: 'what widens access becomes one proposal for a second person' },
  // Removes a standing holder in the directory and makes them eligible instead: a directory write, as admins' revocations are.
  'standing.convert': { subject: 'configuration', cells: { any: ['admin'] }, note: 'only a discovered standing holder, never an orphaned or explained one' },
  // Ends someone's access everywhere and moves their duties: an account and directory action, as disabling is.
  'person.offboard': { subject: 'configuration', cells: { any: ['admin'] }, note: 'never oneself; an HR system or IdP sends it through the signed webhook' },
  // Access reviews: a campaign belongs to whoever made it; admins may run anyone's.
  'review.campaign_upsert': { subject: 'campaign', cells: { own: CAMPAIGN_OWNERS, other: ['admin'] }, note: 'a new campaign is its sender\'s own' },
  'review.open': { subject: 'campaign', cells: { own: CAMPAIGN_OWNERS, other: ['admin'] } },
  'review.close': { subject: 'campaign', cells: { own: CAMPAIGN_OWNERS, other: ['admin'] } },
  // Only the reviewers the item's current stage names decide it; nobody reviews their own access.
  'review.decide': { subject: 'review item', cells: { assignee: REVIEWING_ROLES, own: NOBODY, other: NOBODY }, note: 'only while the run is open' },
  // An export made from the replica is recorded by whoever may make it (core/engine/exports.ts, per kind).
  'export.record': { subject: 'export', cells: { any: ALL_ROLES.filter((r) => Object.values(EXPORT_ROLES).some((roles) => roles.includes(r))) }, note: 'each kind only by the roles that may make it: an evidence pack by auditors and admins' },
};

/** Commands that record what a person did on their device (an export made), not a decision: a console whose roles send only these is read-only. */
export const RECORD_ONLY_COMMANDS: readonly CommandType[] = ['export.record'];

const union = (lists: readonly (readonly AccountRole[])[]) => ALL_ROLES.filter((r) => lists.some((l) => l.includes(r)));

/** Which roles may send each command at all: the union of its cells. Deny by default. */
export const COMMAND_ROLES = Object.fromEntries(
  (Object.keys(COMMAND_MATRIX) as CommandType[]).map((type) => [type, union(Object.values(COMMAND_MATRIX[type].cells))]),
) as unknown as Record<CommandType, readonly AccountRole[]>;

/**
 * Roles that see other people's requests and grants through REST (the `others` cells below).
 * Every role replicates; what each one's replica holds is SYNC_READ.
 */
export const CONSOLE_ROLES: readonly AccountRole[] = ['approver', 'policy_admin', 'reviewer', 'auditor', 'admin'];

export type EndpointAccess = {
  /** 'public': no token; 'signed-in': any valid session. */
  roles: 'public' | 'signed-in' | readonly AccountRole[];
  /** For endpoints about one subject: who sees someone else's (their own is always visible to a signed-in user). */
  others?: readonly AccountRole[];
};

/** Every REST endpoint. Commands sent through POST /api/v1/commands are then held to COMMAND_MATRIX. */
export const ENDPOINT_ACCESS = {
  'GET /healthz': { roles: 'public' },
  'POST /api/v1/auth/login': { roles: 'public' },
  // Single sign-on: how this server signs people in, and the two legs of an OpenID Connect sign-in (sso/).
  'GET /api/v1/auth/methods': { roles: 'public' },
  'POST /api/v1/auth/oidc/start': { roles: 'public' },
  'POST /api/v1/auth/oidc/complete': { roles: 'public' },
  'POST /api/v1/auth/logout': { roles: 'signed-in' },
  'GET /api/v1/me': { roles: 'signed-in' },
  'GET /api/v1/openapi.json': { roles: 'signed-in' },
  'POST /api/v1/commands': { roles: 'signed-in' },
  'POST /api/v1/requests': { roles: ASKERS },
  'GET /api/v1/requests/:id': { roles: 'signed-in', others: CONSOLE_ROLES },
  'GET /api/v1/requests': { roles: 'signed-in', others: CONSOLE_ROLES },
  'GET /api/v1/grants': { roles: 'signed-in', others: CONSOLE_ROLES },
  'GET /api/v1/catalog': { roles: 'signed-in' },
  'GET /api/v1/audit/verify': { roles: ['auditor', 'admin'] },
  // Checkpoints verify offline with the public key; the start check's alerts are for those who answer them.
  'GET /api/v1/audit/public-key': { roles: 'signed-in' },
  'GET /api/v1/audit/checkpoints': { roles: 'signed-in' },
  'GET /api/v1/audit/status': { roles: ['auditor', 'admin'] },
  // The log paged for SIEMs that pull; the forwarding status names where it goes, for those who set it up.
  'GET /api/v1/audit/events': { roles: ['auditor', 'admin'] },
  'GET /api/v1/audit/siem': { roles: ['admin'] },
  'GET /api/v1/accounts': { roles: ['admin'] },
  'POST /api/v1/accounts': { roles: ['admin'] },
  'POST /api/v1/accounts/:id/unlock': { roles: ['admin'] },
  'POST /api/v1/accounts/:id/roles': { roles: ['admin'] },
  'POST /api/v1/accounts/:id/password': { roles: ['admin'] },
  'POST /api/v1/accounts/:id/disable': { roles: ['admin'] },
  'POST /api/v1/accounts/:id/enable': { roles: ['admin'] },
  'POST /api/v1/accounts/:id/sign-out-everywhere': { roles: ['admin'] },
  // Someone else's lost authenticator; never one's own, and with the admin's own fresh second factor where they have one.
  'POST /api/v1/accounts/:id/mfa/reset': { roles: ['admin'] },
  // A person's directory ids set or removed by hand: an exception to the directory sync's matching, audited.
  'PATCH /api/v1/accounts/:id': { roles: ['admin'] },
  // Offboarding's progress; the webhook is signed with a shared secret (HMAC), not a session.
  'GET /api/v1/people/:id/offboarding': { roles: ['admin'] },
  'POST /api/v1/webhooks/offboard': { roles: 'public' },
  'POST /api/v1/accounts/role-changes/:id/confirm': { roles: ['admin'] },
  'POST /api/v1/accounts/role-changes/:id/cancel': { roles: ['admin'] },
  'POST /api/v1/auth/password': { roles: 'signed-in' },
  'POST /api/v1/auth/sign-out-everywhere': { roles: 'signed-in' },
  // Two-step verification of one's own account: anyone signed in (requesters too, for requireMfa).
  'GET /api/v1/auth/mfa': { roles: 'signed-in' },
  'POST /api/v1/auth/mfa/enrol': { roles: 'signed-in' },
  'POST /api/v1/auth/mfa/confirm': { roles: 'signed-in' },
  'POST /api/v1/auth/step-up': { roles: 'signed-in' },
  'POST /api/v1/auth/mfa/disenrol': { roles: 'signed-in' },
  'GET /api/v1/connectors': { roles: ['admin', 'auditor', 'policy_admin'] },
  // The directory sync's state and change reports; only admins start a run.
  'GET /api/v1/directory-sync': { roles: ['admin', 'auditor'] },
  'GET /api/v1/directory-sync/runs': { roles: ['admin', 'auditor'] },
  'GET /api/v1/directory-sync/runs/:id': { roles: ['admin', 'auditor'] },
  'POST /api/v1/directory-sync/:id/run': { roles: ['admin'] },
  // Test connection: the server binds to the directory with the connector's credentials and reports each step.
  'POST /api/v1/connectors/:id/test': { roles: ['admin'] },
  // Policy as code: the export holds every profile (who may request what), which only these roles replicate.
  'GET /api/v1/config/export': { roles: ['policy_admin', 'auditor', 'admin'] },
  'POST /api/v1/config/diff': { roles: CONFIGURERS },
  'POST /api/v1/config/import': { roles: CONFIGURERS },
  'GET /metrics': { roles: ['admin', 'auditor'] },
  // Discovered standing access: security reviewers and auditors read it; only admins start a discovery run.
  'GET /api/v1/standing-access': { roles: ['admin', 'reviewer', 'auditor'] },
  'POST /api/v1/standing-access/discover': { roles: ['admin'] },
} as const satisfies Record<string, EndpointAccess>;
export type Endpoint = keyof typeof ENDPOINT_ACCESS;

export type SyncOperation = 'pull' | 'push' | 'stream';

/**
 * What a replica may hold of one collection, per role:
 * - all: every document; none: nothing (pull and stream answer 403);
 * - own: the reader's own: requests they asked for or whose approval steps name them (a manager or
 *   resource owner deciding as an approver), grants they hold or a service identity they own holds, commands and results they sent,
 *   tasks assigned to them, verifications of their grants, audit events whose subject is one of
 *   those requests or their grants;
 * - eligible: resources they are eligible for or have asked for or hold or decide; policies of those resources;
 * - related: users: themselves, the service identities they own or asked for, and the people named
 *   on their requests (approvers) and who asked for the requests they decide, directory view;
 * - directory: users: everyone, directory view (id, username, display name, department, manager,
 *   roles, disabled, a service identity's kind and owners; no e-mail address, no directory object ids);
 * - access: audit events about requests, grants and tasks;
 * - configuration: audit events about policies, profiles, resources, proposals and connectors;
 * - reviewing: reviews: campaigns they own or review in the current run, the items of campaigns they
 *   own, and the items any stage names them on as a reviewer.
 * Someone with several roles sees the union. Enforced per document by the server's pull and
 * stream (sync-server/http/sync-view.ts).
 */
export type ReadRule = 'all' | 'none' | 'own' | 'eligible' | 'related' | 'directory' | 'access' | 'configuration' | 'reviewing';

/** Bumped whenever SYNC_READ changes, so every replica is rebuilt under the new rules. */
export const SYNC_READ_VERSION = 5;

type ReadRow = Record<AccountRole, ReadRule>;
const row = (requester: ReadRule, approver: ReadRule, policyAdmin: ReadRule, reviewer: ReadRule, auditor: ReadRule = 'all', admin: ReadRule = 'all'): ReadRow => ({
  requester,
  approver,
  policy_admin: policyAdmin,
  reviewer,
  auditor,
  admin,
});

//                                      requester    approver      policy_admin     reviewer
export const SYNC_READ: Record<CollectionName, ReadRow> = {
  users: row('related', 'directory', 'all', 'directory'),
  groups: row('none', 'none', 'all', 'none'),
  resources: row('eligible', 'all', 'all', 'all'),
  policies: row('eligible', 'all', 'all', 'none'),
  profiles: row('none', 'none', 'all', 'none'),
  proposals: row('none', 'none', 'all', 'none'),
  requests: row('own', 'all', 'all', 'all'),
  grants: row('own', 'all', 'all', 'all'),
  tasks: row('own', 'all', 'own', 'none'),
  verifications: row('own', 'all', 'none', 'none'),
  audit: row('own', 'access', 'configuration', 'access'),
  commands: row('own', 'own', 'own', 'own'),
  commandResults: row('own', 'own', 'own', 'own'),
  // Requesters review nothing: a reviewer is resolved only among REVIEWING_ROLES (core/engine/review-reviewers.ts).
  reviews: row('none', 'reviewing', 'reviewing', 'reviewing'),
};

/** The rules that apply to someone with these roles for this collection (one per role; 'none' left out). */
export function readRules(roles: readonly AccountRole[], collection: CollectionName): ReadRule[] {
  return [...new Set(roles.map((role) => SYNC_READ[collection][role]))].filter((rule) => rule !== 'none');
}

/** The collections someone with these roles replicates, in COLLECTIONS order. */
export function replicatedCollections(roles: readonly AccountRole[], collections: readonly CollectionName[]): CollectionName[] {
  return collections.filter((collection) => readRules(roles, collection).length > 0 || (collection === 'commands' && roles.some((r) => syncAccess('commands', 'push').includes(r))));
}

/** Who sends commands at all: the union of the command matrix. Auditors send only the record of an export they made. */
const COMMAND_SENDERS = union(Object.values(COMMAND_ROLES));

/** Replication per collection and operation: pull and stream follow SYNC_READ; only commands accept pushes. */
export function syncAccess(collection: CollectionName, operation: SyncOperation): readonly AccountRole[] {
  if (operation === 'push') return collection === 'commands' ? COMMAND_SENDERS : NOBODY;
  return ALL_ROLES.filter((role) => SYNC_READ[collection][role] !== 'none');
}

export function allowedRoles(access: EndpointAccess): readonly AccountRole[] {
  if (access.roles === 'public' || access.roles === 'signed-in') return ALL_ROLES;
  return access.roles;
}

function relationWords(relation: Relation, subject: CommandAccess['subject']): string {
  if (subject === 'task') return { own: 'a task about their own grant', assignee: 'a task assigned to them', other: "someone else's task", approver: '', any: '' }[relation];
  if (subject === 'review item') return { own: 'an item about their own access', assignee: 'an item whose current stage names them', other: "someone else's item", approver: '', any: '' }[relation];
  return { own: `their own ${subject}`, approver: `a ${subject} whose current step names them`, assignee: '', other: `someone else's ${subject}`, any: '' }[relation];
}
const cell = (roles: readonly AccountRole[]) => (roles.length === 0 ? 'nobody' : roles.length === ALL_ROLES.length ? 'everyone' : roles.join(', '));

/** The matrix as the Markdown tables README shows (a test keeps README equal to this). */
export function accessMatrixMarkdown(): string {
  const commands = (Object.keys(COMMAND_MATRIX) as CommandType[]).map((type) => {
    const { subject, cells, note } = COMMAND_MATRIX[type];
    const parts = (Object.entries(cells) as [Relation, readonly AccountRole[]][]).map(([relation, roles]) =>
      relation === 'any' ? cell(roles) : `${relationWords(relation, subject)}: ${cell(roles)}`,
    );
    return `| \`${type}\` | ${parts.join('; ')}${note ? ` (${note})` : ''} |`;
  });
  const endpoints = (Object.keys(ENDPOINT_ACCESS) as Endpoint[]).map((endpoint) => {
    const access: EndpointAccess = ENDPOINT_ACCESS[endpoint];
    const who = access.roles === 'public' ? 'public' : access.roles === 'signed-in' ? 'everyone signed in' : cell(access.roles);
    return `| \`${endpoint}\` | ${who}${access.others ? `; someone else's: ${cell(access.others)}` : ''} |`;
  });
  return [
    '| command | who may send it, by relation to its subject |',
    '|---|---|',
    ...commands,
    '',
    '| endpoint | who may call it |',
    '|---|---|',
    ...endpoints,
    '',
    '| collection | pull and stream: what each role replicates |',
    '|---|---|',
    ...(Object.keys(SYNC_READ) as CollectionName[]).map((collection) => `| \`${collection}\` | ${ALL_ROLES.map((role) => `${role}: ${SYNC_READ[collection][role]}`).join('; ')} |`),
    `| \`/sync/v1/commands/push\` | ${cell(syncAccess('commands', 'push'))}; every other collection: nobody |`,
  ].join('\n');
}
