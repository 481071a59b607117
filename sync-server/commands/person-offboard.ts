import { ok } from '../../core/index.js';
import { offboardPerson } from '../offboarding/offboard.js';
import type { UseCase } from './context.js';

/** An admin offboards a person (sync-server/offboarding/offboard.ts); sent again, it finishes what is left. */
export const personOffboard: UseCase<'person.offboard'> = (payload, ctx) => {
  const outcome = offboardPerson(ctx.store, {
    personId: payload.personId,
    actorId: ctx.actor.id,
    source: 'command',
    fallbackId: payload.fallbackId,
    reason: payload.reason,
    at: ctx.now.toISOString(),
  });
  if (!outcome.ok) return outcome;
  return ok({ message: outcome.value.message, subjectIds: [payload.personId, ...outcome.value.grantsRevoked, ...outcome.value.requestsCancelled].slice(0, 64) });
};
