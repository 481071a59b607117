import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ticketCheckDraftOf } from './ticket-check-form.js';
import { TicketCheckFields } from './TicketCheckFields.js';

const on = { ...ticketCheckDraftOf({ url: 'https://tickets.example.com/jit/check', secretName: 'jira-prod', timeoutSeconds: 5, onUnknown: 'human' }) };
const render = (draft = on, problems = {}, requireTicket = true) => renderToStaticMarkup(<TicketCheckFields draft={draft} requireTicket={requireTicket} problems={problems} onChange={() => undefined} />);

describe('the policy editor’s ticket-check fields', () => {
  it('off: only the switch', () => {
    const html = render(ticketCheckDraftOf(undefined));
    expect(html).toContain('Check each ticket with the ticket system');
    expect(html).not.toContain('data-field="ticketCheck.url"');
  });

  it('on: the address, the secret’s name, the wait and what unknown does, naming the host', () => {
    const html = render();
    for (const field of ['ticketCheck.url', 'ticketCheck.secretName', 'ticketCheck.timeoutSeconds', 'ticketCheck.onUnknown']) expect(html).toContain(`data-field="${field}"`);
    expect(html).toContain('When tickets.example.com cannot say');
    expect(html).toContain('even where this policy approves automatically');
    expect(html).not.toContain('Only requests that name a ticket are checked');
    expect(render(on, {}, false)).toContain('Only requests that name a ticket are checked');
  });

  it('a problem is shown on its field', () => {
    const html = render({ ...on, url: 'http://tickets.example.com/' }, { 'ticketCheck.url': 'must be https: the answer decides access' });
    expect(html).toMatch(/aria-invalid="true"[^>]*data-field="ticketCheck.url"/);
    expect(html).toContain('role="alert">must be https: the answer decides access</span>');
  });
});
