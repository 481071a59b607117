/**
 * Per-role replicas: for each role, a fresh replica (the console's replication code, RxDB memory
 * storage) against a real server with the demo organisation holds exactly what the matrix's
 * SYNC_READ lets that role see, in every collection: nothing more, nothing less. Then roles change
 * in the store and the same replica, on its next pull, holds exactly what the new roles see.
 *
 * The expectation is worked out here from the table's rule names and the store, not by the
 * server's filter (sync-server/http/sync-view.ts).
 */
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ALL_ROLES,
  checkEligibility,
  readRules,
  replicatedCollections,
  syncPath,
  type AccessRequest,
  type AccountRole,
  type AuditEvent,
  type CollectionName,
  type ReadRule,
} from '../../core/index.js';
import { ALL_COLLECTIONS, createJitDatabase, type JitDatabase } from '../../renderer/db/database.js';
import { startReplication, type ReplicationHandle } from '../../renderer/db/replication.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const WAIT_MS = 15_000;

/** One demo person per role, given only that role. */
const READER_OF: Record<AccountRole, string> = { requester: 'bob', approver: 'alice', policy_admin: 'mallory', reviewer: 'carol', auditor: 'heidi', admin: 'admin' };

let srv: TestServer;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.().catch(() => undefined);
});

type Reader = { id: string; username: string; roles: AccountRole[] };

function setRoles(username: string, roles: AccountRole[]): Reader {
  const account = srv.store.getAccountByUsername(username);
  if (!account) throw new Error(`no demo account ${username}`);
  srv.store.updateAccount(account.id, { roles });
  return { id: account.id, username, roles };
}

const AUDIT_SUBJECTS: Partial<Record<ReadRule, readonly AuditEvent['subjectType'][]>> = {
  access: ['request', 'grant', 'task', 'review'],
  configuration: ['policy', 'profile', 'resource', 'proposal', 'connector'],
};

/** The ids this reader may see in this collection, from the table's rules. */
function expectedIds(reader: Reader, collection: CollectionName): Set<string> {
  const store = srv.store;
  // Their own requests, and those whose approval steps name them or (any-of) a directory group of theirs (they decide those as approvers).
  const groups = store.list('groups').filter((g) => g.memberUserIds.includes(reader.id)).map((g) => g.id);
  const namesReader = (s: NonNullable<AccessRequest['policy']>['approvalSteps'][number]) =>
    s.approverIds.includes(reader.id) || (s.escalatedApproverIds ?? []).includes(reader.id) || (s.mode === 'any' && (s.approverGroupIds ?? []).some((g) => groups.includes(g)));
  const ownRequests = store.list('requests').filter((r) => r.requesterId === reader.id || (r.policy?.approvalSteps ?? []).some(namesReader));
  // Grants they hold, and those the service identities they own hold.
  const ownedIdentities = store.list('users').filter((u) => u.kind === 'service' && (u.ownerIds ?? []).includes(reader.id)).map((u) => u.id);
  const ownGrants = [reader.id, ...ownedIdentities].flatMap((userId) => store.list('grants', { where: { userId } }));
  const ids = new Set<string>();
  const add = (docs: readonly { id: string }[]) => docs.forEach((d) => ids.add(d.id));
  for (const rule of readRules(reader.roles, collection)) {
    if (rule === 'all') add(store.list(collection));
    else if (rule === 'own') {
      if (collection === 'requests') add(ownRequests);
      else if (collection === 'grants') add(ownGrants);
      else if (collection === 'commands' || collection === 'commandResults') add(store.list(collection).filter((d) => d.actorId === reader.id));
      else if (collection === 'tasks') add(store.list('tasks').filter((t) => t.assigneeId === reader.id));
      else if (collection === 'verifications') add(store.list('verifications').filter((v) => ownGrants.some((g) => g.id === v.grantId)));
      else if (collection === 'audit')
        add(store.list('audit').filter((e) => (e.subjectType === 'request' && ownRequests.some((r) => r.id === e.subjectId)) || (e.subjectType === 'grant' && ownGrants.some((g) => g.id === e.subjectId))));
      else throw new Error(`the table names 'own' for ${collection}, which this test does not know`);
    } else if (rule === 'eligible') {
      const user = { ...store.get('users', reader.id)!, roles: reader.roles };
      const profiles = store.list('profiles');
      const resources = store.list('resources').filter(
        (r) => checkEligibility(user, r, profiles).ok || ownRequests.some((q) => q.resourceId === r.id) || ownGrants.some((g) => g.resourceId === r.id),
      );
      if (collection === 'resources') add(resources);
      else if (collection === 'policies') resources.forEach((r) => r.policyIds.forEach((id) => store.get('policies', id) && ids.add(id)));
      else throw new Error(`'eligible' for ${collection}`);
    } else if (rule === 'related') {
      ids.add(reader.id);
      ownedIdentities.forEach((id) => ids.add(id));
      for (const r of ownRequests) {
        ids.add(r.requesterId);
        if (r.onBehalfOf) ids.add(r.onBehalfOf);
        r.decisions.forEach((d) => ids.add(d.approverId));
        r.policy?.approvalSteps.forEach((s) => s.approverIds.forEach((id) => ids.add(id)));
      }
      for (const id of [...ids]) if (!store.get('users', id)) ids.delete(id);
    } else if (rule === 'directory') add(store.list('users'));
    else if (rule === 'reviewing') {
      // Campaigns they own or review; items naming them at any stage (or escalated to them), and every item of their campaigns.
      const docs = store.list('reviews');
      const owned = new Set(docs.filter((d) => d.kind === 'campaign' && d.ownerId === reader.id).map((d) => d.id));
      add(docs.filter((d) => (d.kind === 'campaign' ? owned.has(d.id) || d.reviewerIds.includes(reader.id) : owned.has(d.campaignId) || d.escalatedToId === reader.id || d.reviewerIds.includes(reader.id) || d.stageDecisions.some((s) => s.reviewerIds.includes(reader.id)))));
    } else if (AUDIT_SUBJECTS[rule]) add(store.list('audit').filter((e) => AUDIT_SUBJECTS[rule]!.includes(e.subjectType)));
    else throw new Error(`rule ${rule} is not known to this test`);
  }
  return ids;
}

/** Collections a replica pulls: what the roles replicate (commands are push-only in the console). */
const pulledBy = (roles: readonly AccountRole[]): CollectionName[] => replicatedCollections(roles, ALL_COLLECTIONS).filter((c) => c !== 'commands');

type Replica = { db: JitDatabase; replication: ReplicationHandle; collections: CollectionName[] };

async function openReplica(token: string, collections: CollectionName[]): Promise<Replica> {
  const db = await createJitDatabase({ name: `per-role-${Math.random().toString(36).slice(2)}`, storage: 'memory', devMode: true, collections });
  const replication = startReplication(db, { serverUrl: srv.url, token, retryTimeMs: 300, reconnectMaxMs: 1_000 });
  cleanups.push(async () => {
    await replication.cancel();
    await db.close();
  });
  return { db, replication, collections };
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

/** Waits until every opened collection holds exactly the expected documents, and checks the rest are closed to the reader. */
async function expectExactly(replica: Replica, reader: Reader, token: string): Promise<void> {
  for (const collection of ALL_COLLECTIONS) {
    const expected = expectedIds(reader, collection);
    const replicated = pulledBy(reader.roles).includes(collection) || collection === 'commands';
    if (!replicated) {
      expect(sorted(expected), `${reader.roles.join('+')}: ${collection} is not replicated, so the table lets nothing of it through`).toEqual([]);
      expect((await http('GET', `${srv.url}${syncPath(collection, 'pull')}`, { token })).status, `${reader.roles.join('+')}: pull of ${collection}`).toBe(403);
    } else if (!replica.collections.includes(collection)) {
      // Not opened in this replica (commands are push-only in the console): what a pull answers is checked over HTTP.
      const pulled = await http<{ documents: { id: string; _deleted: boolean }[] }>('GET', `${srv.url}${syncPath(collection, 'pull')}?batchSize=5000`, { token });
      expect(pulled.status).toBe(200);
      expect(sorted(pulled.body.documents.filter((d) => !d._deleted).map((d) => d.id)), `${reader.roles.join('+')}: ${collection}`).toEqual(sorted(expected));
    }
    if (!replica.collections.includes(collection)) continue;
    const local = replica.db.collections[collection] as unknown as { find(): { $: import('rxjs').Observable<{ primary: string }[]> } };
    const want = sorted(expected);
    const got = await firstValueFrom(
      local.find().$.pipe(
        filter((docs) => JSON.stringify(sorted(docs.map((d) => d.primary))) === JSON.stringify(want)),
        timeout({ first: WAIT_MS, with: () => Promise.reject(new Error(`${reader.roles.join('+')}: ${collection} never held exactly ${want.length} documents`)) }),
      ),
    ).catch(async (error: Error) => {
      const held = sorted((await replica.db.collections[collection]!.find().exec()).map((d) => d.primary));
      return { error, held };
    });
    if (!Array.isArray(got)) expect(got.held, `${reader.roles.join('+')}: ${collection}`).toEqual(want);
  }
  if (replica.collections.includes('users')) {
    // People are seen in full only by roles that read every user; everyone else gets the directory view.
    const full = readRules(reader.roles, 'users').includes('all');
    for (const doc of await replica.db.users.find().exec()) {
      const user = doc.toJSON();
      if (full) expect(user.email).toBe(srv.store.get('users', user.id)?.email);
      else expect({ email: user.email, externalIds: user.externalIds }).toEqual({ email: '', externalIds: {} });
    }
  }
}

describe('per-role replicas', () => {
  describe('one demo organisation for the fresh replicas of every role', () => {
    // Each role's test reads with its own person (READER_OF) and changes nobody's roles but theirs,
    // and what it expects is worked out from the store at that moment: one seeded server serves all
    // six, instead of seeding the demo organisation (twelve password hashes) again for each.
    beforeAll(async () => {
      srv = await startTestServer({ seedDemo: true });
    });
    afterAll(() => srv?.close());

    for (const role of ALL_ROLES) {
      it(`a fresh ${role} replica holds exactly what the table lets a ${role} see`, async () => {
        const reader = setRoles(READER_OF[role], [role]);
        const token = await srv.login(reader.username);
        const replica = await openReplica(token, pulledBy([role]));
        await replica.replication.awaitInSync();
        await expectExactly(replica, reader, token);
      });
    }
  });

  describe('a fresh demo organisation for each change of roles, resources or policies', () => {
    beforeEach(async () => {
      srv = await startTestServer({ seedDemo: true });
      cleanups.unshift(() => srv.close());
    });

    it('a role change takes effect on the next pull: what is no longer visible leaves the replica, what now is arrives', async () => {
      // An approver becomes a requester: everyone else's requests, grants, audit and e-mail addresses must go.
      const alice = setRoles('alice', ['approver']);
      const aliceToken = await srv.login('alice');
      const aliceReplica = await openReplica(aliceToken, pulledBy(['approver']));
      await aliceReplica.replication.awaitInSync();
      await expectExactly(aliceReplica, alice, aliceToken);
      const before = await aliceReplica.db.requests.count().exec();

      const demoted = setRoles('alice', ['requester']);
      aliceReplica.replication.reSync();
      await expectExactly(aliceReplica, demoted, aliceToken);
      expect(await aliceReplica.db.requests.count().exec()).toBeLessThan(before);
    });

    it('a resource owner who holds only the requester role sees the request their step names, live, and decides it', async () => {
      // Judy (requester only) owns Server-Admins: the owner step of its policy names her on each new request.
      const owner = setRoles('judy', ['requester']);
      const resource = srv.store.get('resources', 'res-ad-server-admins')!;
      srv.store.put('resources', { ...resource, ownerId: owner.id });
      const judyToken = await srv.login('judy');
      const replica = await openReplica(judyToken, pulledBy(['requester']));
      await replica.replication.awaitInSync();
      const dave = await srv.login('dave');
      const created = await http<{ id: string; status: string }>('POST', `${srv.url}/api/v1/requests`, { token: dave, body: { resourceId: 'res-ad-server-admins', durationMinutes: 30, justification: 'Patch the build servers', ticket: 'CHG-1234' } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      // The naming request arrives in her replica, with Dave's name beside it (the view changed: a fresh pull).
      replica.replication.reSync();
      await expectExactly(replica, owner, judyToken);
      expect(await replica.db.requests.findOne(created.body.id).exec()).not.toBeNull();
      expect(await replica.db.users.findOne('u-dave').exec()).not.toBeNull();
      // Nobody else's requests came with it.
      const others = (await replica.db.requests.find().exec()).filter((r) => r.requesterId !== owner.id);
      for (const r of others) expect((r.policy?.approvalSteps ?? []).some((step) => step.approverIds.includes(owner.id)), r.id).toBe(true);
      const approved = await http<{ status: string; message: string }>('POST', `${srv.url}/api/v1/commands`, { token: judyToken, body: { type: 'request.approve', payload: { requestId: created.body.id } } });
      expect(approved.body.status, approved.body.message).toBe('applied');
    });

    it('a member of a directory group a step names, holding only the requester role, sees the request in their replica and decides it', async () => {
      const member = setRoles('oscar', ['requester']);
      srv.store.put('groups', { id: 'grp-dba', displayName: 'DBA on-call', connector: 'entra', externalId: 'dba-oncall', memberUserIds: [member.id], updatedAt: new Date().toISOString() });
      const policy = srv.store.get('policies', srv.store.get('resources', 'res-ad-server-admins')!.policyIds[0]!)!;
      srv.store.put('policies', { ...policy, approvalSteps: [{ name: 'DBA on-call', mode: 'any', approverIds: [], approverRoles: [], approverGroupIds: ['grp-dba'], includeResourceOwner: false, includeManager: false, timeoutMinutes: 60, escalateToIds: [], escalateToGroupIds: [], escalateToResourceOwner: false, escalateToManagersManager: false }] });
      const token = await srv.login('oscar');
      const replica = await openReplica(token, pulledBy(['requester']));
      await replica.replication.awaitInSync();
      const dave = await srv.login('dave');
      const created = await http<{ id: string }>('POST', `${srv.url}/api/v1/requests`, { token: dave, body: { resourceId: 'res-ad-server-admins', durationMinutes: 30, justification: 'Patch the build servers', ticket: 'CHG-1234' } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      replica.replication.reSync();
      await expectExactly(replica, member, token);
      expect(await replica.db.requests.findOne(created.body.id).exec()).not.toBeNull();
      expect(await replica.db.users.findOne('u-dave').exec()).not.toBeNull();
      const approved = await http<{ status: string; message: string }>('POST', `${srv.url}/api/v1/commands`, { token, body: { type: 'request.approve', payload: { requestId: created.body.id } } });
      expect(approved.body.status, approved.body.message).toBe('applied');
    });

    it('a policy admin who becomes a requester loses proposals and profiles, which that role does not replicate at all', async () => {
      const mallory = setRoles('mallory', ['policy_admin']);
      const malloryToken = await srv.login('mallory');
      const malloryReplica = await openReplica(malloryToken, pulledBy(['policy_admin']));
      await malloryReplica.replication.awaitInSync();
      await expectExactly(malloryReplica, mallory, malloryToken);
      expect(await malloryReplica.db.profiles.count().exec()).toBeGreaterThan(0);
      const requester = setRoles('mallory', ['requester']);
      malloryReplica.replication.reSync();
      await expectExactly(malloryReplica, requester, malloryToken);
    });

    it('a requester who becomes an auditor gets everything on the next pull', async () => {
      const bob = setRoles('bob', ['requester']);
      const token = await srv.login('bob');
      const replica = await openReplica(token, pulledBy(['auditor']));
      await replica.replication.awaitInSync();
      await expectExactly(replica, bob, token);
      const auditor = setRoles('bob', ['auditor']);
      replica.replication.reSync();
      await expectExactly(replica, auditor, token);
    });
  });
});
