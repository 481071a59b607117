/**
 * Sign-ins under way: what the server keeps between sending someone to the provider and their
 * coming back. Server-only (never replicated). Each flow is taken once: the callback of a flow
 * already used, expired or never started is refused, so a replayed state, and the nonce and PKCE
 * verifier that went with it, count for nothing.
 *
 * The flow secret binds the callback to the client that started the flow: it is returned to that
 * client in the start answer (never in a URL), and the code is exchanged only with it. A code
 * caught on its way back (another program on the desktop's loopback port, a link sent to a victim)
 * is useless without it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MigrationSet, Store } from '../store/types.js';

export const OIDC_MIGRATIONS: MigrationSet = {
  name: 'oidc',
  steps: [
    `CREATE TABLE oidc_flows (
       state_hash TEXT PRIMARY KEY,
       binding_hash TEXT NOT NULL,
       nonce TEXT NOT NULL,
       code_verifier TEXT NOT NULL,
       redirect_uri TEXT NOT NULL,
       created_at TEXT NOT NULL,
       expires_at TEXT NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX oidc_flows_expiry ON oidc_flows (expires_at);`,
    // Who started each flow (auth/client-address.ts's key), so one client cannot hold every place.
    `ALTER TABLE oidc_flows ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
     CREATE INDEX oidc_flows_client ON oidc_flows (client_key, expires_at);`,
  ],
};

/** How long someone has to sign in at the provider. */
export const FLOW_TTL_MS = 10 * 60_000;

export type Flow = { nonce: string; codeVerifier: string; redirectUri: string; createdAt: string; expiresAt: string };
export type TakenFlow = { ok: true; flow: Flow } | { ok: false; reason: 'unknown_state' | 'expired_flow' | 'wrong_flow_secret' };

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
export const randomValue = () => randomBytes(32).toString('base64url');

export function createFlowStore(store: Store) {
  store.applyMigrations(OIDC_MIGRATIONS);
  const stmts = {
    insert: store.db.prepare('INSERT INTO oidc_flows (state_hash, binding_hash, nonce, code_verifier, redirect_uri, created_at, expires_at, client_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    openFor: store.db.prepare('SELECT COUNT(*) FROM oidc_flows WHERE client_key = ? AND expires_at > ?').pluck(),
    take: store.db.prepare('DELETE FROM oidc_flows WHERE state_hash = ? RETURNING binding_hash, nonce, code_verifier, redirect_uri, created_at, expires_at'),
    sweep: store.db.prepare('DELETE FROM oidc_flows WHERE expires_at <= ?'),
  };
  return {
    /** A new flow: its state (goes to the provider) and secret (stays with the client that started it). */
    begin(input: { nonce: string; codeVerifier: string; redirectUri: string; now: Date; /** addressKey of the client that asks. */ clientKey: string }): { state: string; secret: string } {
      const state = randomValue();
      const secret = randomValue();
      const at = input.now.toISOString();
      store.tx(() => {
        stmts.sweep.run(at);
        stmts.insert.run(sha256(state), sha256(secret), input.nonce, input.codeVerifier, input.redirectUri, at, new Date(input.now.getTime() + FLOW_TTL_MS).toISOString(), input.clientKey);
      });
      return { state, secret };
    },
    /** Sign-ins this client started that are still under way. */
    openFor(clientKey: string, now: Date): number {
      return stmts.openFor.get(clientKey, now.toISOString()) as number;
    },
    /** Removes and returns the flow of this state; whatever the outcome, it cannot be used again. */
    take(state: string, secret: string, now: Date): TakenFlow {
      const row = stmts.take.get(sha256(state)) as { binding_hash: string; nonce: string; code_verifier: string; redirect_uri: string; created_at: string; expires_at: string } | undefined;
      if (!row) return { ok: false, reason: 'unknown_state' };
      const given = Buffer.from(sha256(secret), 'hex');
      if (!timingSafeEqual(given, Buffer.from(row.binding_hash, 'hex'))) return { ok: false, reason: 'wrong_flow_secret' };
      if (Date.parse(row.expires_at) <= now.getTime()) return { ok: false, reason: 'expired_flow' };
      return { ok: true, flow: { nonce: row.nonce, codeVerifier: row.code_verifier, redirectUri: row.redirect_uri, createdAt: row.created_at, expiresAt: row.expires_at } };
    },
  };
}
export type FlowStore = ReturnType<typeof createFlowStore>;
