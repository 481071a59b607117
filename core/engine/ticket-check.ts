/**
 * The ticket-check hook, one rule: what a ticket system's answer does to a new request. The server
 * asks the hook before the command is applied (sync-server/ticket-check/) and hands the answers in;
 * this decides with them, so the same rule runs in the what-if, where nothing is asked and every
 * answer is "unknown" (docs/decisions/ticket-check-hook.md).
 *   open: the request goes on as the policy says; the result is stored (`request.ticketCheck`).
 *   closed: refused, naming the ticket.
 *   unknown (no answer, a timeout, a bad answer): refused, or sent to a person, as the policy says.
 */
import type { AccessPolicy } from '../schema/policy.js';
import type { ResolvedPolicy } from '../schema/request.js';
import type { TicketCheckHook, TicketCheckResult, TicketCheckStatus } from '../schema/ticket-check.js';
import type { ConfigProblem } from './config-fields.js';
import { err, ok, type Result } from './result.js';
import { requireSecondPerson } from './separation.js';

/** The step a request gets when its ticket could not be checked and the policy would have approved it automatically. */
export const TICKET_UNCHECKED_STEP_NAME = 'A person decides (the ticket could not be checked)';

/** One hook's answer for one ticket, as the server got it. */
export type TicketHookAnswer = { url: string; ticket: string; status: TicketCheckStatus; checkedAt: string; reason: string };

// https://host[:port][/path]: no user name or password, query or fragment (a secret has no place in
// the URL: the call is signed). The host is a name, an IPv4 address or a bracketed IPv6 address.
const HOOK_URL = /^https:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$/;

/** Why a hook URL is refused, or null. The server calls exactly this URL and nothing else. */
export function ticketHookUrlProblem(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed !== url) return 'must not start or end with spaces';
  if (!/^https:\/\//.test(url)) {
    return /^http:\/\//i.test(url)
      ? 'must be https: the answer decides access and the call is signed, so it is never sent in the clear'
      : 'must be an https:// address, such as https://tickets.example.com/jit/check';
  }
  const rest = url.slice('https://'.length);
  const authority = rest.split('/')[0] ?? '';
  if (authority.includes('@')) return 'must not hold a user name or password: the call is signed with the shared secret';
  if (/[?#]/.test(url)) return 'must not hold a query or fragment (?, #): put no secret in the address, the call is signed';
  const match = HOOK_URL.exec(url);
  if (!match) return 'is not an address the server can call: https://host[:port]/path with plain letters, digits and path characters';
  const host = match[1] ?? '';
  if (host.startsWith('.') || host.endsWith('.') || host.includes('..')) return `has no valid host name ("${host.slice(0, 64)}")`;
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && (port < 1 || port > 65535)) return `has port ${match[2]}, outside 1 to 65535`;
  return null;
}

/** The host a hook URL names (with its port when it has one): what a request and its audit event record. */
export function ticketHookHost(url: string): string {
  const match = HOOK_URL.exec(url);
  if (!match) return 'an invalid address';
  return match[2] === undefined ? (match[1] ?? '') : `${match[1]}:${match[2]}`;
}

/** The policy checks of a ticket-check hook beyond its schema, each naming its field under `ticketCheck`. */
export function ticketHookProblems(hook: TicketCheckHook | undefined): ConfigProblem[] {
  if (!hook) return [];
  const problem = ticketHookUrlProblem(hook.url);
  return problem ? [{ field: 'ticketCheck.url', message: problem }] : [];
}

/** The hooks of the bound policies, each URL once (the strictest onUnknown and the shortest timeout of those naming it). */
export function ticketHooksOf(policyIds: readonly string[], policies: readonly Pick<AccessPolicy, 'id' | 'ticketCheck'>[]): TicketCheckHook[] {
  const out: TicketCheckHook[] = [];
  for (const id of policyIds) {
    const hook = policies.find((p) => p.id === id)?.ticketCheck;
    if (!hook) continue;
    const same = out.findIndex((h) => h.url === hook.url);
    if (same < 0) out.push({ ...hook });
    else {
      const kept = out[same] as TicketCheckHook;
      out[same] = { ...kept, onUnknown: kept.onUnknown === 'refuse' || hook.onUnknown === 'refuse' ? 'refuse' : 'human', timeoutSeconds: Math.min(kept.timeoutSeconds, hook.timeoutSeconds) };
    }
  }
  return out;
}

const RANK: Record<TicketCheckStatus, number> = { closed: 0, unknown: 1, open: 2 };
const shown = (ticket: string) => (ticket.length > 40 ? `${ticket.slice(0, 40)}…` : ticket);

export type SettledTicketCheck = { policy: ResolvedPolicy; ticketCheck: TicketCheckResult | null };

/**
 * Decides a new request's ticket with the hooks' answers. `answers` undefined: nobody asked (the
 * what-if, a caller without the server's checker), which is "unknown" like any missing answer; an
 * answer counts only for its own URL and ticket, so one asked under another configuration does not.
 * No hook, or no ticket: nothing to check, nothing stored.
 */
export function settleTicketCheck(
  policy: ResolvedPolicy,
  policies: readonly Pick<AccessPolicy, 'id' | 'ticketCheck'>[],
  ticket: string,
  answers: readonly TicketHookAnswer[] | undefined,
  now: Date,
): Result<SettledTicketCheck> {
  const hooks = ticketHooksOf(policy.policyIds, policies);
  const asked = ticket.trim();
  if (hooks.length === 0 || asked === '') return ok({ policy, ticketCheck: null });
  const results = hooks.map((hook) => {
    const answer = answers?.find((a) => a.url === hook.url && a.ticket === asked);
    const reason = answer?.reason ?? (answers === undefined ? 'the ticket-check hook was not called' : 'the hook was not asked (the access policy changed while checking)');
    const result: TicketCheckResult = { status: answer?.status ?? 'unknown', checkedAt: answer?.checkedAt ?? now.toISOString(), reason: reason.slice(0, 512), hookHost: ticketHookHost(hook.url).slice(0, 255) };
    return { hook, result };
  });
  // The least favourable answer decides: closed, then unknown, then open.
  const deciding = [...results].sort((a, b) => RANK[a.result.status] - RANK[b.result.status])[0] as (typeof results)[number];
  const { result } = deciding;
  if (result.status === 'closed') {
    return err('ticket_not_open', `ticket ${shown(asked)} is closed in the ticket system (${result.hookHost})${result.reason ? `: ${result.reason}` : ''}; a request needs an open ticket`);
  }
  if (result.status === 'unknown') {
    if (results.some((r) => r.result.status === 'unknown' && r.hook.onUnknown === 'refuse')) {
      return err('ticket_not_open', `ticket ${shown(asked)} could not be checked (${result.hookHost}: ${result.reason}), and the access policy refuses a ticket it cannot check; try again later`);
    }
    // Sent to a person: nothing unchecked is approved automatically.
    const toPerson = policy.autoApprove ? requireSecondPerson(policy, TICKET_UNCHECKED_STEP_NAME) : policy;
    return ok({ policy: toPerson, ticketCheck: result });
  }
  return ok({ policy, ticketCheck: result });
}

/**
 * Which changes to the hooks loosen the check (a second person approves them): a hook removed or
 * pointed elsewhere, another secret, refuse → a person, a longer wait (fewer unknowns). A hook
 * added, or a shorter wait, only tightens.
 */
export function ticketHookWidenings(before: readonly TicketCheckHook[], after: readonly TicketCheckHook[]): string[] {
  const out: string[] = [];
  for (const hook of before) {
    const host = ticketHookHost(hook.url);
    const now = after.find((h) => h.url === hook.url);
    if (!now) {
      out.push(`tickets are no longer checked at ${host}`);
      continue;
    }
    if (now.secretName !== hook.secretName) out.push(`the ticket check at ${host} signs with secret ${hook.secretName} → ${now.secretName}`);
    if (hook.onUnknown === 'refuse' && now.onUnknown === 'human') out.push(`a ticket that cannot be checked at ${host} goes to a person instead of being refused`);
    if (now.timeoutSeconds > hook.timeoutSeconds) out.push(`the ticket check at ${host} waits ${hook.timeoutSeconds} → ${now.timeoutSeconds} s for an answer`);
  }
  return out;
}

/** What a requester is told of the hooks before asking: who checks a ticket, and what an unknown answer does. */
export type CatalogTicketCheck = { host: string; onUnknown: TicketCheckHook['onUnknown'] };

/** The catalog's part for the bound policies' hooks; nothing when none has one. */
export function catalogTicketChecks(bound: readonly Pick<AccessPolicy, 'id' | 'ticketCheck'>[]): { ticketChecks?: CatalogTicketCheck[] } {
  const hooks = ticketHooksOf(bound.map((p) => p.id), bound);
  return hooks.length === 0 ? {} : { ticketChecks: hooks.map((h) => ({ host: ticketHookHost(h.url), onUnknown: h.onUnknown })) };
}

/** "A ticket given is checked with tickets.example.com when you ask: ...": one sentence per hook. */
export function ticketChecksInWords(checks: readonly CatalogTicketCheck[]): string[] {
  return checks.map(
    (c) => `A ticket given is checked with ${c.host} when you ask: a closed one is refused, and if the ticket system cannot say, ${c.onUnknown === 'refuse' ? 'the request is refused' : 'an approver decides'}.`,
  );
}
