import { useMemo, useState } from 'react';
import { describeTicketFormat, NAMED_TICKET_FORMATS, ticketFormatOf, type TicketSystem } from '../../../core/index.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { ApprovalChain } from './ApprovalChain.js';
import { TicketCheckFields } from './TicketCheckFields.js';
import { AccessWindows, AutoApprovalRules } from './RulesAndWindows.js';
import { EditorFrame, EditorSection, NotEditable, RestoredNotice, SaveOutcome, StaleNotice } from './EditorFrame.js';
import { History } from './History.js';
import { ShortenGrants } from './ShortenGrants.js';
import { Check, DurationField, FieldError, TextField } from './fields.js';
import { checkPolicyDraft, draftOfPolicy, newPolicyDraft, policyFormFields, type PolicyDraft } from './policy-form.js';
import { useEntityEditor } from './use-entity-editor.js';
import { useWhatIf } from './use-what-if.js';
import { WhatIfPanel } from './WhatIfPanel.js';
import './editor.css';

const TICKET_SYSTEMS: { value: TicketSystem; label: string }[] = [
  { value: 'any', label: 'Any reference' },
  { value: 'jira', label: `Jira issue key (${NAMED_TICKET_FORMATS.jira.example})` },
  { value: 'servicenow', label: `ServiceNow number (${NAMED_TICKET_FORMATS.servicenow.example})` },
  { value: 'custom', label: 'A pattern of our own' },
];

/** The what-if never calls a ticket-check hook: it decides every ticket as unknown, and says so. */
const WHAT_IF_TICKET_NOTE =
  'The what-if never calls the ticket-check hook: here every ticket counts as unknown, so a request naming one goes to a person (or is refused, under “Refuse the request”). Live requests are decided with the ticket system’s answer.';

const checkPolicy = (draft: PolicyDraft) => {
  const checked = checkPolicyDraft(draft);
  return { payload: checked.policy, problems: checked.problems };
};
const freshPolicy = () => newPolicyDraft('');

/** The access policy editor: `id` null for a new policy. The what-if beside it updates as the form changes. */
export function PolicyEditor({ id }: { id: string | null }) {
  const { user } = useSession();
  const { policies, resources } = useConsoleData();
  const editor = useEntityEditor({ kind: 'policy', id, stored: policies, fromStored: draftOfPolicy, fresh: freshPolicy, check: checkPolicy, fields: policyFormFields });
  const { draft, problems, stored, isNew, saver } = editor;
  const governed = useMemo(() => [...resources.values()].filter((r) => r.policyIds.includes(draft?.id ?? '')).map((r) => r.id), [resources, draft?.id]);
  const view = useWhatIf(editor.change, governed);
  const [restored, setRestored] = useState<string | null>(null);

  if (!saver.allowed) {
    return (
      <NotEditable title="Read-only" back="policies">
        Your roles ({user.roles.join(', ') || 'none'}) do not change access policies: policy admins and admins do.
      </NotEditable>
    );
  }
  if (!draft) {
    return (
      <NotEditable title={policies.size === 0 ? 'Loading the policies…' : 'No such access policy'} back="policies">
        {policies.size === 0 ? 'The policy appears here once this device has it.' : `This device holds no access policy ${id}.`}
      </NotEditable>
    );
  }

  const set = <K extends keyof PolicyDraft>(key: K, value: PolicyDraft[K]) => editor.edit({ ...draft, [key]: value });
  const form = ticketFormatOf({ ticketSystem: draft.ticketSystem, ticketPattern: draft.ticketPattern });
  const mfaOn = draft.requireMfa || draft.requireApproverMfa;

  return (
    <EditorFrame
      back="policies"
      backLabel="Access policies"
      title={isNew ? 'New access policy' : `Edit ${stored?.name ?? draft.name}`}
      subtitle={
        <>
          <code>{draft.id}</code> · {governed.length === 0 ? 'no resource uses it yet' : `bounds ${governed.length} resource${governed.length === 1 ? '' : 's'}: ${governed.map((r) => resources.get(r)?.name ?? r).join(', ')}`}
        </>
      }
      onSave={editor.save}
      saving={saver.state.kind === 'waiting'}
      saveLabel={isNew ? 'Create policy' : 'Save changes'}
      outcome={
        <>
          <StaleNotice at={editor.staleAt} what="policy" onReload={editor.reload} />
          {saver.state.kind === 'idle' ? <RestoredNotice at={restored} /> : null}
          <SaveOutcome state={saver.state} what="policy" refusalShownOnField={Boolean(editor.refusal?.field)} />
          <ShortenGrants whatIf={view.whatIf} inForce={stored !== undefined && editor.checked?.payload?.maxDurationMinutes === stored.maxDurationMinutes} />
        </>
      }
      aside={<WhatIfPanel view={view} kind="policy" isNew={isNew && governed.length === 0} note={draft.ticketCheck.on || stored?.ticketCheck ? WHAT_IF_TICKET_NOTE : undefined} />}
    >
      <EditorSection title="Name">
        <TextField label="Name" field="name" value={draft.name} onChange={(v) => set('name', v)} problem={problems.name} maxLength={256} placeholder="e.g. Night operations" />
        <TextField label="Description" field="description" value={draft.description} onChange={(v) => set('description', v)} problem={problems.description} multiline maxLength={2048} placeholder="What it is for; requesters read it" />
      </EditorSection>

      <EditorSection title="Durations" lede="Typed as you would say them: 30m, 4h, 1d, 1h30m.">
        <div className="field-row">
          <DurationField label="Longest grant" field="maxDurationMinutes" value={draft.maxDuration} onChange={(v) => set('maxDuration', v)} problem={problems.maxDurationMinutes} hint="a hard cap" />
          <DurationField label="Recommended" field="defaultDurationMinutes" value={draft.defaultDuration} onChange={(v) => set('defaultDuration', v)} problem={problems.defaultDurationMinutes} hint="given when a request names none" />
          <DurationField label="Deadline to decide" field="requestTtlMinutes" value={draft.requestTtl} onChange={(v) => set('requestTtl', v)} problem={problems.requestTtlMinutes} hint="undecided by then, a request expires" />
        </div>
      </EditorSection>

      <EditorSection title="What a request needs">
        <Check label="A justification" field="requireJustification" checked={draft.requireJustification} onChange={(v) => set('requireJustification', v)} detail="Approvers read why the access is needed." />
        <Check label="A ticket reference" field="requireTicket" checked={draft.requireTicket} onChange={(v) => set('requireTicket', v)} detail="A request without one is refused." />
        <FieldError id="requireTicket" problem={problems.requireTicket} />
        <div className="field-row">
          <div className="field">
            <label htmlFor="policy-ticket-system">Ticket form</label>
            <select id="policy-ticket-system" data-field="ticketSystem" value={draft.ticketSystem} onChange={(e) => set('ticketSystem', e.target.value as TicketSystem)}>
              {TICKET_SYSTEMS.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
            <span className="muted small">{form ? `Any ticket given must be ${describeTicketFormat(form)}.` : 'Any reference is taken.'}</span>
          </div>
          {draft.ticketSystem === 'custom' ? (
            <TextField label="Pattern" field="ticketPattern" mono value={draft.ticketPattern} onChange={(v) => set('ticketPattern', v)} problem={problems.ticketPattern} maxLength={128} placeholder="e.g. OPS-\d{4}" hint="a regular expression the whole ticket must match" />
          ) : problems.ticketPattern ? (
            <FieldError id="ticketPattern" problem={problems.ticketPattern} />
          ) : null}
        </div>
        <TicketCheckFields draft={draft.ticketCheck} requireTicket={draft.requireTicket} problems={problems} onChange={(v) => set('ticketCheck', v)} />
        <Check label="A second factor from the requester" field="requireMfa" checked={draft.requireMfa} onChange={(v) => set('requireMfa', v)} detail="Asking (and asking for more time) needs a recent authenticator code." />
        <Check label="A second factor from each approver" field="requireApproverMfa" checked={draft.requireApproverMfa} onChange={(v) => set('requireApproverMfa', v)} detail="Approving needs a recent authenticator code." />
        {mfaOn ? <DurationField label="A code counts for" field="mfaFreshMinutes" value={draft.mfaFresh} onChange={(v) => set('mfaFresh', v)} problem={problems.mfaFreshMinutes} hint="1 minute to 12 hours" className="narrow-field" /> : null}
      </EditorSection>

      <EditorSection title="How it is decided">
        <Check
          label="Approve automatically"
          field="autoApprove"
          checked={draft.autoApprove}
          onChange={(v) => set('autoApprove', v)}
          disabled={draft.steps.length > 0 && !draft.autoApprove}
          detail={draft.steps.length > 0 ? 'Only without approval steps: remove the steps first.' : 'Eligible requests are approved as soon as the server receives them.'}
        />
        <FieldError id="autoApprove" problem={problems.autoApprove} />
        <Check label="Allow break-glass" field="breakGlass" checked={draft.breakGlass} onChange={(v) => set('breakGlass', v)} detail="In an emergency the requester may approve their own request with a reason; everyone is told and a second person reviews it." />
        <TextField label="Extensions allowed" field="maxExtensions" value={draft.maxExtensions} onChange={(v) => set('maxExtensions', v)} problem={problems.maxExtensions} className="narrow-field" hint="0 to 20; never past the longest grant" />
      </EditorSection>

      <EditorSection title="Auto-approval rules" lede="A request for which every condition of one rule holds skips the approval chain; the reason is recorded on it. Otherwise the chain decides. Someone who changed this policy recently, or holds a conflicting resource, always goes to the chain.">
        <AutoApprovalRules rules={draft.rules} problems={problems} autoApprove={draft.autoApprove} onChange={(rules) => set('rules', rules)} />
      </EditorSection>

      <EditorSection title="Access windows" lede="When requests may be made (and a later start fall), on the wall clock of a time zone. Outside every window a request is refused and told when the next one opens; a grant runs its whole duration, even past the window’s end.">
        <AccessWindows windows={draft.windows} problems={problems} onChange={(windows) => set('windows', windows)} />
      </EditorSection>

      <EditorSection title="Approval chain" lede="Steps run in order; each must be approved before the next starts, and a person approves at most one step of a request.">
        <ApprovalChain draft={draft} problems={problems} onChange={editor.edit} />
      </EditorSection>

      {isNew ? null : (
        <History
          kind="policy"
          id={draft.id}
          onRestore={(version) => {
            editor.edit(draftOfPolicy(version.entity));
            setRestored(version.at);
          }}
        />
      )}
    </EditorFrame>
  );
}
