/**
 * Configuring a test organisation over HTTP the way a deployment must: the admin sends the change
 * and, when it widens access and becomes a proposal, a second admin approves it (four eyes).
 *
 *   await configure(srv, 'profile.upsert', { profile: {...} });
 */
import type { CommandResult } from '../../../core/index.js';
import { http, login } from './server.js';

/** A running server and its admin's token (an in-process TestServer fits, as does a spawned one). */
export type AdminTarget = { url: string; adminToken: string };

const SECOND_ADMIN = { username: 'second-admin', password: 'four-eyes-on-every-change-7', displayName: 'Second Admin' };
const secondTokens = new Map<string, string>();

/** A second admin (policy_admin + admin) on this server, created on first use. */
export async function secondAdminToken(server: AdminTarget): Promise<string> {
  const known = secondTokens.get(server.url);
  if (known) return known;
  const created = await http('POST', `${server.url}/api/v1/accounts`, {
    token: server.adminToken,
    body: { username: SECOND_ADMIN.username, password: SECOND_ADMIN.password, displayName: SECOND_ADMIN.displayName, roles: ['admin', 'policy_admin'] },
  });
  if (created.status !== 201 && created.status !== 409) throw new Error(`creating the second admin failed: ${created.status} ${created.text}`);
  const token = await login(server.url, SECOND_ADMIN.username, SECOND_ADMIN.password);
  secondTokens.set(server.url, token);
  return token;
}

/** Sends a configuration command as the admin; a resulting proposal is approved by the second admin. */
export async function configure(server: AdminTarget, type: string, payload: Record<string, unknown>): Promise<void> {
  const res = await http<CommandResult>('POST', `${server.url}/api/v1/commands`, { token: server.adminToken, body: { type, payload } });
  if (res.status !== 200) throw new Error(`${type} failed: ${res.status} ${res.text}`);
  const proposalId = res.body.subjectIds.find((id) => id.startsWith('prop-'));
  if (!proposalId) return;
  const approved = await http('POST', `${server.url}/api/v1/commands`, { token: await secondAdminToken(server), body: { type: 'proposal.approve', payload: { proposalId } } });
  if (approved.status !== 200) throw new Error(`approving ${proposalId} failed: ${approved.status} ${approved.text}`);
}
