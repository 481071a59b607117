/**
 * The ticket-check hook's part of the policy form without React: the draft people edit (the timeout
 * as text), and the hook it stands for, checked by the policy's schema and core's ticketHookProblems
 * with the rest of the policy (policy-form.ts).
 */
import { TICKET_CHECK_TIMEOUT_SECONDS, type TicketCheckHook } from '../../../core/index.js';
import type { Problems } from './form-fields.js';

export type TicketCheckDraft = { on: boolean; url: string; secretName: string; timeout: string; onUnknown: TicketCheckHook['onUnknown'] };

export function ticketCheckDraftOf(hook: TicketCheckHook | undefined): TicketCheckDraft {
  return {
    on: hook !== undefined,
    url: hook?.url ?? '',
    secretName: hook?.secretName ?? '',
    timeout: String(hook?.timeoutSeconds ?? TICKET_CHECK_TIMEOUT_SECONDS.default),
    onUnknown: hook?.onUnknown ?? 'human',
  };
}

/** The policy's `ticketCheck` for the draft: absent when the check is off. A timeout that is no number is a problem here; ranges are the schema's. */
export function ticketCheckPart(draft: TicketCheckDraft, problems: Problems): { ticketCheck?: TicketCheckHook } {
  if (!draft.on) return {};
  const text = draft.timeout.trim();
  const seconds = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(seconds)) problems['ticketCheck.timeoutSeconds'] = `is required: whole seconds from ${TICKET_CHECK_TIMEOUT_SECONDS.min} to ${TICKET_CHECK_TIMEOUT_SECONDS.max}`;
  return { ticketCheck: { url: draft.url.trim(), secretName: draft.secretName.trim(), timeoutSeconds: Number.isNaN(seconds) ? TICKET_CHECK_TIMEOUT_SECONDS.default : seconds, onUnknown: draft.onUnknown } };
}

/** The hook's fields the form shows, so a server refusal lands on one of them. */
export const TICKET_CHECK_FIELDS = ['ticketCheck', 'ticketCheck.url', 'ticketCheck.secretName', 'ticketCheck.timeoutSeconds', 'ticketCheck.onUnknown'] as const;
