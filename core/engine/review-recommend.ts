/**
 * Recommendations for a review item, one rule: deterministic, each with its reason in words, and
 * every one of them recommends removal. Computed from the snapshot alone, so a reviewer sees the
 * same advice whoever opens the item and whenever.
 */
import type { Recommendation, ReviewSubject } from '../schema/review.js';

export const NO_SIGN_IN_DAYS = 90;
export const JIT_UNUSED_DAYS = 180;
const DAY = 86_400_000;
const daysBetween = (from: string, to: Date) => Math.floor((to.getTime() - Date.parse(from)) / DAY);

export function recommend(subject: ReviewSubject, now: Date): Recommendation[] {
  const out: Recommendation[] = [];
  if (subject.accountDisabled || subject.holderClass === 'orphaned') {
    out.push({ code: 'account_disabled', reason: subject.userId ? `${subject.displayName}'s account is disabled` : 'the account belongs to nobody the console knows' });
  }
  if (subject.signInReadable) {
    if (subject.lastSignInAt === null) out.push({ code: 'no_sign_in', reason: 'never signed in, as the directory records it' });
    else if (daysBetween(subject.lastSignInAt, now) >= NO_SIGN_IN_DAYS) out.push({ code: 'no_sign_in', reason: `no sign-in for ${daysBetween(subject.lastSignInAt, now)} days (since ${subject.lastSignInAt.slice(0, 10)})` });
  }
  if (subject.type === 'standing' && subject.holderClass === 'standing') {
    out.push({ code: 'standing_no_grant', reason: 'standing access with no grant: held outside the console' });
  }
  if (subject.type === 'eligibility' || subject.type === 'standing') {
    if (subject.lastJitUseAt === null) out.push({ code: 'jit_unused', reason: `not used through JIT in ${JIT_UNUSED_DAYS} days (never requested)` });
    else if (daysBetween(subject.lastJitUseAt, now) >= JIT_UNUSED_DAYS) out.push({ code: 'jit_unused', reason: `not used through JIT in ${JIT_UNUSED_DAYS} days (last on ${subject.lastJitUseAt.slice(0, 10)})` });
  }
  if ((subject.type === 'grant' || subject.type === 'break_glass') && subject.grantExpiresAt && Date.parse(subject.grantExpiresAt) <= now.getTime()) {
    out.push({ code: 'grant_expired', reason: `JIT grant already expired (${subject.grantExpiresAt.slice(0, 16).replace('T', ' ')} UTC)` });
  }
  if (subject.grantedByBreakGlass) out.push({ code: 'break_glass', reason: 'granted by break-glass: approved by its own requester in an emergency' });
  return out;
}
