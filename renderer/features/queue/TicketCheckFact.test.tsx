import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { TICKET_UNCHECKED_STEP_NAME, type AccessRequest, type ResolvedPolicy } from '../../../core/index.js';
import { TicketCheckFact } from './TicketCheckFact.js';

const policy = (stepName: string) => ({ approvalSteps: [{ name: stepName }] }) as unknown as ResolvedPolicy;
const request = (over: Partial<AccessRequest>) => ({ id: 'r-1', ticket: 'OPS-7', policy: policy('Approver'), ...over }) as AccessRequest;
const checkedAt = '2026-03-02T09:00:00.000Z';

describe('the ticket check under a request’s ticket', () => {
  it('says open, where it was asked and the system’s own words', () => {
    const html = renderToStaticMarkup(<TicketCheckFact request={request({ ticketCheck: { status: 'open', checkedAt, reason: 'the ticket system says it is open: OPS-7 is in progress', hookHost: 'tickets.example.com' } })} />);
    expect(html).toContain('<span class="pill tone-success">Open</span>');
    expect(html).toContain('asked tickets.example.com');
    expect(html).toContain(`dateTime="${checkedAt}"`);
    expect(html).toContain('OPS-7 is in progress');
  });

  it('says not verified, with the reason, and that a person decides instead of the policy', () => {
    const html = renderToStaticMarkup(
      <TicketCheckFact request={request({ policy: policy(TICKET_UNCHECKED_STEP_NAME), ticketCheck: { status: 'unknown', checkedAt, reason: 'no answer within 5 s', hookHost: 'tickets.example.com' } })} />,
    );
    expect(html).toContain('<span class="pill tone-warning">Not verified</span>');
    expect(html).toContain('no answer within 5 s; so an approver decides instead of the policy approving automatically.');
  });

  it('shows nothing for a request whose ticket no hook was asked about', () => {
    expect(renderToStaticMarkup(<TicketCheckFact request={request({})} />)).toBe('');
  });
});
