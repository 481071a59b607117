/**
 * A server with a ticket-check hook: rita may request two resources whose policies approve
 * automatically and check tickets at a stand-in hook over HTTPS, one sending an unchecked ticket to
 * a person, one refusing it. The hook's secret is stored encrypted the way an admin stores it.
 */
import { SecretKey } from '../../../sync-server/secrets/index.js';
import { setTicketHookSecret } from '../../../sync-server/ticket-check/index.js';
import { startTicketHookStandin, type TicketHookStandin } from '../../standins/ticket-hook/index.js';
import { http, startTestServer, type TestServer } from './server.js';

export const HOOK_SECRET = 'ticket-hook-secret-0123456789abcdef-test';
export const HOOK_SECRET_NAME = 'itsm';
export const TICKET_PASSWORD = 'ticket-hook-test-password-3';

export type TicketHookWorld = { srv: TestServer; hook: TicketHookStandin; close(): Promise<void> };

export async function startTicketHookWorld(): Promise<TicketHookWorld> {
  const hook = await startTicketHookStandin({ secret: HOOK_SECRET });
  const secretKey = SecretKey.generate();
  // The stand-in's CA is trusted the way JIT_TICKET_HOOK_CA_FILE trusts a private CA: beside the system's.
  const srv = await startTestServer({ secretKey, ticketHookCaPem: hook.caPem });
  setTicketHookSecret(srv.store, secretKey, HOOK_SECRET_NAME, HOOK_SECRET, { source: 'test' });
  for (const [id, username, roles] of [
    ['u-rita', 'rita', ['requester']],
    ['u-alice', 'alice', ['approver']],
  ] as const) {
    const res = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id, username, password: TICKET_PASSWORD, displayName: username, roles } });
    if (res.status !== 201) throw new Error(`account ${username}: ${res.status} ${res.text}`);
  }
  let n = 0;
  const apply = (type: string, payload: Record<string, unknown>) => {
    const result = srv.processor.apply({ id: `setup-${++n}`, type, actorId: 'u-admin', payload, createdAt: new Date().toISOString() }, { bootstrap: true });
    if (result.status !== 'applied') throw new Error(`${type}: ${result.message}`);
  };
  const base = { maxDurationMinutes: 240, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, approvalSteps: [], maxExtensions: 2 };
  apply('policy.upsert', { policy: { id: 'pol-human', name: 'Checked, else a person', ...base, ticketCheck: { url: hook.url, secretName: HOOK_SECRET_NAME, timeoutSeconds: 1, onUnknown: 'human' } } });
  apply('policy.upsert', { policy: { id: 'pol-refuse', name: 'Checked, else refused', ...base, ticketCheck: { url: hook.url, secretName: HOOK_SECRET_NAME, timeoutSeconds: 1, onUnknown: 'refuse' } } });
  const resource = (id: string, name: string, policyId: string) => ({ id, name, kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: id }, ownerId: 'u-alice', sensitivity: 'medium', policyIds: [policyId] });
  apply('resource.upsert', { resource: resource('res-human', 'Billing Reader', 'pol-human') });
  apply('resource.upsert', { resource: resource('res-refuse', 'Billing Admin', 'pol-refuse') });
  apply('profile.upsert', { profile: { id: 'prof-rita', name: 'Rita', resourceIds: ['res-human', 'res-refuse'], userIds: ['u-rita'] } });
  return {
    srv,
    hook,
    async close() {
      await srv.close();
      await hook.close();
    },
  };
}
