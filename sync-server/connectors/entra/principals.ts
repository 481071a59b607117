import type { PrincipalFacts, PrincipalReport } from '../../../core/index.js';
import type { GraphHttp } from './graph-http.js';
import { odataString } from './operations.js';

/** Graph's `in` operator takes at most 15 values. */
const IN_CHUNK = 15;
const GRAPH_OBJECT_ID = /^[A-Za-z0-9-]{1,128}$/;

type UserFacts = { id?: unknown; accountEnabled?: unknown; signInActivity?: { lastSignInDateTime?: unknown; lastNonInteractiveSignInDateTime?: unknown } | null };

const latest = (...values: unknown[]): string | null => {
  const times = values.filter((v): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v))).map((v) => new Date(v).toISOString());
  return times.length === 0 ? null : times.sort().at(-1)!;
};

/**
 * Users' accountEnabled and signInActivity, 15 ids per `GET /users?$filter=id in (...)` (reads,
 * paced by the connector's read budget like any GET). signInActivity is returned only on `$select`,
 * needs AuditLog.Read.All (and a P1 licence): refused, the same users are read again without it and
 * the report says sign-ins are not readable and why. The last sign-in is the later of the interactive
 * and non-interactive ones, as Microsoft's guidance on inactive accounts reads them.
 * Ids that are not Entra object ids (a group listed as a member is still one) are read like the others;
 * anything else is left out.
 */
export async function describeEntraPrincipals(graph: GraphHttp, principalIds: readonly string[]): Promise<PrincipalReport> {
  const ids = [...new Set(principalIds.filter((id) => GRAPH_OBJECT_ID.test(id)))];
  const principals = new Map<string, PrincipalFacts>();
  let signInReadable = true;
  let signInNote: string | undefined;
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const chunk = ids.slice(i, i + IN_CHUNK);
    const filter = encodeURIComponent(`id in (${chunk.map(odataString).join(',')})`);
    let items: UserFacts[] | undefined;
    if (signInReadable) {
      const withSignIns = await graph.getAll(`/users?$filter=${filter}&$select=id,accountEnabled,signInActivity&$top=${IN_CHUNK}`);
      if (withSignIns.ok) items = withSignIns.items as UserFacts[];
      else if (withSignIns.failure.code === 'Authorization_RequestDenied' || withSignIns.failure.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant') {
        signInReadable = false;
        signInNote = `Entra would not say when accounts last signed in (${withSignIns.failure.code}): the app needs AuditLog.Read.All and the tenant a Microsoft Entra ID P1 licence`;
      } else throw new Error(`reading accounts failed: ${withSignIns.failure.message}`);
    }
    if (!items) {
      const plain = await graph.getAll(`/users?$filter=${filter}&$select=id,accountEnabled&$top=${IN_CHUNK}`);
      if (!plain.ok) throw new Error(`reading accounts failed: ${plain.failure.message}`);
      items = plain.items as UserFacts[];
    }
    const byLower = new Map(chunk.map((id) => [id.toLowerCase(), id]));
    for (const user of items) {
      const key = byLower.get(String(user.id).toLowerCase());
      if (!key) continue;
      principals.set(key, {
        enabled: typeof user.accountEnabled === 'boolean' ? user.accountEnabled : null,
        lastSignInAt: signInReadable ? latest(user.signInActivity?.lastSignInDateTime, user.signInActivity?.lastNonInteractiveSignInDateTime) : null,
      });
    }
  }
  return { signInReadable, ...(signInNote ? { signInNote } : {}), principals };
}
