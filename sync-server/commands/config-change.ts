import { createHash } from 'node:crypto';
import {
  changeEffect,
  changeWidenings,
  err,
  ok,
  recordEditor,
  widensOwnAccess,
  type ConfigWorld,
  type ProposalChange,
  type Result,
} from '../../core/index.js';
import { personNow, type Applied, type UseCaseContext } from './context.js';

/** How long a proposal may wait for its second person; its what-if is computed against the organisation of the day. */
export const PROPOSAL_TTL_DAYS = 14;

const KIND_WORD = { policy: 'access policy', profile: 'access profile', resource: 'resource' } as const;
const COLLECTION = { policy: 'policies', profile: 'profiles', resource: 'resources' } as const;

/** A change as an upsert use case prepared it: validated, with the entity as it would be written. */
export type PreparedChange = ProposalChange;

export function configWorld(ctx: Pick<UseCaseContext, 'store'>): ConfigWorld {
  // People as eligibility sees them: their account's roles and disabled state, not the directory copy's.
  const users = ctx.store.list('users').map((u) => personNow(ctx.store, u.id) ?? u);
  return { policies: ctx.store.list('policies'), profiles: ctx.store.list('profiles'), resources: ctx.store.list('resources'), users };
}

/** The stored entity a change is about, or null when it does not exist yet. */
export function currentOf(kind: ProposalChange['kind'], id: string, ctx: Pick<UseCaseContext, 'store'>) {
  return ctx.store.get(COLLECTION[kind], id);
}

/**
 * Writes the change, naming its editors (proposer and approver alike) on the entity for the
 * cooling-off period, audits it, and supersedes other proposals for the same entity: they were
 * reviewed against a version that no longer exists.
 */
/** An entity as its audit events carry it: without the write's own bookkeeping. */
function withoutBookkeeping<T extends { updatedAt: string; changedBy?: unknown }>(entity: T): Omit<T, 'updatedAt' | 'changedBy'> {
  const { updatedAt: _u, changedBy: _c, ...rest } = entity;
  return rest;
}

export function writeChange(change: ProposalChange, ctx: UseCaseContext, editors: readonly string[], via?: { proposalId?: string; imported?: boolean }): void {
  const now = ctx.now.toISOString();
  const changedBy = recordEditor(change.before?.changedBy ?? [], editors, ctx.now, ctx.separation);
  const created = change.before === null;
  // The version it replaces as well, so an auditor reads the change from the event alone.
  const before = change.before === null ? null : withoutBookkeeping(change.before);
  // Written by a configuration import (config.import): its events carry the import's command id like any other.
  const extra = { ...(via?.proposalId ? { proposalId: via.proposalId, editors } : {}), ...(via?.imported ? { imported: true } : {}) };
  switch (change.kind) {
    case 'policy': {
      const { updatedAt: _u, changedBy: _c, ...after } = change.after;
      ctx.store.put('policies', { ...after, changedBy, updatedAt: now });
      ctx.audit('policy.changed', 'policy', after.id, { name: after.name, created, before, after, ...extra });
      break;
    }
    case 'resource': {
      const { updatedAt: _u, changedBy: _c, ...after } = change.after;
      ctx.store.put('resources', { ...after, changedBy, updatedAt: now });
      ctx.audit('resource.changed', 'resource', after.id, { name: after.name, created, before, after, ...extra });
      break;
    }
    case 'profile': {
      // The whole profile as written, like a policy's or resource's: its history diffs one version against the one before.
      const { updatedAt: _u, changedBy: _c, ...after } = change.after;
      ctx.store.put('profiles', { ...after, changedBy, updatedAt: now });
      ctx.audit('profile.changed', 'profile', after.id, { name: after.name, created, before, after, ...extra });
      break;
    }
  }
  const supersede = (kind: ProposalChange['kind'], subjectId: string, why: string) => {
    for (const other of ctx.store.list('proposals', { status: 'pending', where: { subjectId } })) {
      if (other.kind !== kind || other.id === via?.proposalId) continue;
      ctx.store.put('proposals', { ...other, status: 'superseded', decidedAt: now, decisionReason: why, updatedAt: now, revision: other.revision + 1 });
    }
  };
  supersede(change.kind, change.after.id, `${KIND_WORD[change.kind]} changed after this was proposed`);
  if (change.kind === 'resource') {
    // A policy's proposal was reviewed for the resources it governed then; one more or one fewer changes what it does.
    const before = change.before?.policyIds ?? [];
    const moved = [...before.filter((id) => !change.after.policyIds.includes(id)), ...change.after.policyIds.filter((id) => !before.includes(id))];
    for (const policyId of moved) supersede('policy', policyId, `resource ${change.after.name} moved to or from this access policy after this was proposed`);
  }
}

/** What the audit trail keeps of a proposed change: the entity as it would be written, whatever its kind. */
function changeForAudit(change: ProposalChange): Record<string, unknown> {
  return { after: change.after };
}

/** Widenings as a proposal stores them (and as an approval compares them). */
export const clipWidenings = (widenings: readonly string[]) => widenings.slice(0, 64).map((w) => w.slice(0, 1024));

export const proposalIdFor = (commandId: string) => `prop-${createHash('sha256').update(commandId).digest('hex').slice(0, 24)}`;

/**
 * Tightening (or neutral) changes apply at once. A change that widens access becomes a proposal
 * that a second policy admin or admin must approve, and is refused outright when it would widen
 * the proposer's own access.
 */
export function proposeOrApply(change: ProposalChange, ctx: UseCaseContext): Result<Applied> {
  const world = configWorld(ctx);
  const word = KIND_WORD[change.kind];
  const name = change.after.name;
  const widenings = changeWidenings(change, world);
  if (widenings.length === 0 || ctx.bootstrap) {
    // The demo seed's first configuration is the server's, not a person's: it starts nobody's cooling-off period.
    writeChange(change, ctx, ctx.bootstrap ? [] : [ctx.actor.id]);
    return ok({ message: `${word} "${name}" ${change.before ? 'updated' : 'created'}`, subjectIds: [change.after.id] });
  }
  if (widensOwnAccess(ctx.actor.user, change, world)) {
    return err('self_approval_forbidden', `this change widens your own access (${widenings[0]}); someone who does not benefit from it must propose it`);
  }
  const id = proposalIdFor(ctx.command.id);
  const now = ctx.now.toISOString();
  ctx.store.put('proposals', {
    id,
    kind: change.kind,
    subjectId: change.after.id,
    subjectName: name,
    change,
    widenings: clipWidenings(widenings),
    effect: changeEffect(change, world),
    status: 'pending',
    proposedBy: ctx.actor.id,
    proposedAt: now,
    expiresAt: new Date(ctx.now.getTime() + PROPOSAL_TTL_DAYS * 86_400_000).toISOString(),
    updatedAt: now,
    revision: 1,
  });
  ctx.audit('proposal.created', 'proposal', id, { kind: change.kind, subjectId: change.after.id, name, widenings, change: changeForAudit(change) });
  return ok({
    message: `${word} "${name}" widens access (${widenings[0]}${widenings.length > 1 ? ` and ${widenings.length - 1} more` : ''}): proposed as ${id}; it applies when another policy admin or admin approves it`,
    subjectIds: [id],
  });
}
