/**
 * A made-up but shaped-like-life audit log for the explorer's tests and benchmark: people asking
 * for resources, approvals, grants provisioned, revoked and verified, extensions, tasks, sign-ins
 * and configuration changes, in sequence order, from a seed. Each event comes with what it is
 * truly about (person, resource, grant), for checking the index against a plain filter.
 */
import type { AuditEvent } from '../../../../core/index.js';

export type Truth = { personId: string | null; resourceId: string | null; grantId: string | null };
export type SyntheticEvent = { event: AuditEvent; truth: Truth };

export type SyntheticOptions = { events: number; people?: number; resources?: number; seed?: number; start?: number; stepMs?: number };

const HASH = '0'.repeat(64);
const WORDS = ['incident', 'patch', 'quarter-end', 'onboarding', 'audit', 'failover', 'migration', 'payroll', 'backlog', 'review', 'certificate', 'outage', 'Zoë', 'déploiement'];

/** mulberry32: small, fast, good enough to make test data from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const personId = (i: number) => `u-p${i}`;
export const resourceId = (i: number) => `res-${i}`;

/** Generates the log lazily, one event at a time, so a million never sit in memory twice. */
export function* syntheticEvents(options: SyntheticOptions): Generator<SyntheticEvent> {
  const random = prng(options.seed ?? 1);
  const peopleCount = options.people ?? 2_000;
  const resourceCount = options.resources ?? 300;
  let at = options.start ?? Date.UTC(2026, 0, 1);
  const step = options.stepMs ?? 30_000;
  let seq = 0;
  let requests = 0;
  const pick = (n: number) => Math.floor(random() * n);
  const word = () => WORDS[pick(WORDS.length)]!;
  type Open = { grantId: string; requestId: string; person: string; resource: string; stage: number };
  const open: Open[] = [];

  const make = (type: AuditEvent['type'], actorId: string, subjectType: AuditEvent['subjectType'], subjectId: string, data: Record<string, unknown>, truth: Truth): SyntheticEvent => {
    seq++;
    at += 1 + pick(step * 2);
    return { event: { id: `ae-${seq}`, seq, type, actorId, at: new Date(at).toISOString(), subjectType, subjectId, data, prevHash: HASH, hash: HASH }, truth };
  };

  while (seq < options.events) {
    const roll = random();
    if (roll < 0.12 || open.length === 0) {
      const person = personId(pick(peopleCount));
      const resource = resourceId(pick(resourceCount));
      const requestId = `r-${++requests}`;
      const grantId = `g-${requests}`;
      const denied = random() < 0.1;
      const truth = { personId: person, resourceId: resource, grantId: denied ? null : grantId };
      yield make('request.created', person, 'request', requestId, { resourceId: resource, durationMinutes: 60, ticket: `CHG-${10_000 + requests}`, justification: `${word()} ${word()} work item ${requests}`, riskScore: pick(100), status: 'pending' }, truth);
      if (seq >= options.events) return;
      if (denied) {
        yield make('request.denied', personId(pick(peopleCount)), 'request', requestId, { stepIndex: 0, stepName: 'Owner', reason: `not for ${word()}` }, truth);
        continue;
      }
      yield make('request.approved', personId(pick(peopleCount)), 'request', requestId, { breakGlass: false }, truth);
      if (seq >= options.events) return;
      yield make('grant.created', personId(pick(peopleCount)), 'grant', grantId, { requestId, userId: person, resourceId: resource, connector: 'entra', expiresAt: new Date(at + 3_600_000).toISOString() }, truth);
      open.push({ grantId, requestId, person, resource, stage: 0 });
    } else if (roll < 0.8) {
      const k = pick(open.length);
      const g = open[k]!;
      const truth = { personId: g.person, resourceId: g.resource, grantId: g.grantId };
      const stages: Array<[AuditEvent['type'], Record<string, unknown>]> = [
        ['grant.provisioned', { connectorId: 'entra-demo', detail: `added to group ${g.resource}`, attempts: 1 }],
        ['grant.effective_verified', { verificationId: `v-${seq}`, timeToEffectiveMs: pick(60_000) }],
        ['grant.revoke_requested', { reason: random() < 0.5 ? 'expired' : 'give-back', expiresAt: new Date(at).toISOString() }],
        ['grant.revoked', { connectorId: 'entra-demo', detail: 'removed from the group', latenessMs: pick(90_000) }],
        ['grant.revocation_verified', { verificationId: `v-${seq}`, method: 'read-back' }],
      ];
      const [type, data] = stages[g.stage]!;
      if (g.stage === 1 && random() < 0.05) {
        yield make('task.created', 'system', 'task', `t-${seq}`, { kind: 'revoke_escalation', grantId: g.grantId, assigneeId: personId(pick(peopleCount)) }, truth);
        continue;
      }
      if (g.stage === 1 && random() < 0.08) {
        const ext = `r-${++requests}`;
        yield make('request.created', g.person, 'request', ext, { resourceId: g.resource, extendsGrantId: g.grantId, justification: `more time for ${word()}`, status: 'pending' }, truth);
        continue;
      }
      yield make(type, 'system', 'grant', g.grantId, data, truth);
      g.stage++;
      if (g.stage === stages.length) open.splice(k, 1);
    } else if (roll < 0.95) {
      const person = personId(pick(peopleCount));
      const failed = random() < 0.2;
      yield make(failed ? 'auth.login_failed' : 'auth.login_succeeded', person, 'account', person, failed ? { reason: 'wrong_password', ip: `10.0.${pick(255)}.${pick(255)}` } : { ip: `10.0.${pick(255)}.${pick(255)}` }, { personId: person, resourceId: null, grantId: null });
    } else {
      const resource = resourceId(pick(resourceCount));
      yield make('resource.changed', personId(pick(20)), 'resource', resource, { name: `Resource ${resource}`, created: false, after: { id: resource } }, { personId: null, resourceId: resource, grantId: null });
    }
  }
}
