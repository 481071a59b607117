import { TICKET_CHECK_TIMEOUT_SECONDS, ticketHookHost, ticketHookUrlProblem } from '../../../core/index.js';
import { Check, Choice, FieldError, TextField } from './fields.js';
import type { Problems } from './form-fields.js';
import type { TicketCheckDraft } from './ticket-check-form.js';

/**
 * The policy's ticket-check hook: whether the server asks a ticket system about each ticket, where,
 * signed with which server-held secret, how long it waits, and what an answer it cannot get does.
 */
export function TicketCheckFields({ draft, requireTicket, problems, onChange }: { draft: TicketCheckDraft; requireTicket: boolean; problems: Problems; onChange(next: TicketCheckDraft): void }) {
  const set = <K extends keyof TicketCheckDraft>(key: K, value: TicketCheckDraft[K]) => onChange({ ...draft, [key]: value });
  const host = draft.url.trim() !== '' && ticketHookUrlProblem(draft.url.trim()) === null ? ticketHookHost(draft.url.trim()) : null;
  return (
    <div className="ticket-check" data-testid="ticket-check-fields">
      <Check
        label="Check each ticket with the ticket system"
        field="ticketCheck"
        checked={draft.on}
        onChange={(v) => set('on', v)}
        detail="Before deciding, the server asks a hook over HTTPS whether the ticket is open. A closed ticket is refused; the answer is shown to approvers."
      />
      <FieldError id="ticketCheck" problem={problems.ticketCheck} />
      {draft.on ? (
        <>
          <TextField
            label="Hook address"
            field="ticketCheck.url"
            mono
            value={draft.url}
            onChange={(v) => set('url', v)}
            problem={problems['ticketCheck.url']}
            maxLength={2048}
            placeholder="https://tickets.example.com/jit/check"
            hint="https only. The call is signed; redirects are never followed."
          />
          <div className="field-row">
            <TextField
              label="Shared secret (its name)"
              field="ticketCheck.secretName"
              mono
              value={draft.secretName}
              onChange={(v) => set('secretName', v)}
              problem={problems['ticketCheck.secretName']}
              maxLength={64}
              placeholder="e.g. jira-prod"
              hint={
                <>
                  Held by the server only; an admin stores it with <code>npm run secrets -- set-ticket-hook-secret NAME</code>.
                </>
              }
            />
            <TextField
              label="Wait for an answer (seconds)"
              field="ticketCheck.timeoutSeconds"
              value={draft.timeout}
              onChange={(v) => set('timeout', v)}
              problem={problems['ticketCheck.timeoutSeconds']}
              maxLength={3}
              className="narrow-field"
              hint={`${TICKET_CHECK_TIMEOUT_SECONDS.min} to ${TICKET_CHECK_TIMEOUT_SECONDS.max}; no answer by then counts as unknown`}
            />
          </div>
          <div className="field">
            <span>
              When {host ?? 'the ticket system'} cannot say (unknown, no answer, an error)
            </span>
            <Choice
              legend="When the ticket system cannot say"
              name="ticketCheck.onUnknown"
              value={draft.onUnknown}
              onChange={(v) => set('onUnknown', v)}
              options={[
                { value: 'human', label: 'A person decides' },
                { value: 'refuse', label: 'Refuse the request' },
              ]}
            />
            <span className="muted small">
              {draft.onUnknown === 'human' ? 'The request goes to an approver, even where this policy approves automatically.' : 'The requester is told the ticket could not be checked and can try again later.'}
            </span>
          </div>
          {requireTicket ? null : <p className="muted small">Only requests that name a ticket are checked: require a ticket so that every request is.</p>}
        </>
      ) : null}
    </div>
  );
}
