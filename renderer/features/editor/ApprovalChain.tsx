import { useMemo } from 'react';
import { AccountRole } from '../../../core/index.js';
import { useConsoleData } from '../../session/console-data.js';
import { Icon } from '../../ui/ui.js';
import { Check, Choice, DurationField, TextField } from './fields.js';
import type { Problems } from './form-fields.js';
import { PickList, type PickOption } from './PickList.js';
import { chain, type PolicyDraft, type StepDraft } from './policy-form.js';
import { useDirectoryGroups } from './use-directory-groups.js';

const ROLE_LABEL: Record<AccountRole, string> = {
  requester: 'Requesters',
  approver: 'Approvers',
  policy_admin: 'Policy admins',
  reviewer: 'Reviewers',
  auditor: 'Auditors',
  admin: 'Admins',
};
/** Roles that decide requests; requesters, reviewers and auditors are offered too, but rarely meant. */
const ROLES = AccountRole.options;

function usePeople(): PickOption[] {
  const { users } = useConsoleData();
  return useMemo(
    () =>
      [...users.values()]
        .filter((u) => !u.disabled)
        .sort((a, b) => a.displayName.localeCompare(b.displayName))
        .map((u) => ({ id: u.id, label: u.displayName, detail: [u.department, u.roles.filter((r) => r !== 'requester').join(', ')].filter(Boolean).join(' · ') })),
    [users],
  );
}

type StepCardProps = {
  step: StepDraft;
  index: number;
  count: number;
  problems: Problems;
  people: readonly PickOption[];
  groupOptions: readonly PickOption[];
  onChange(patch: Partial<StepDraft>): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
};

function StepCard({ step, index, count, problems, people, groupOptions, onChange, onMove, onRemove }: StepCardProps) {
  const at = (field: string) => problems[`approvalSteps.${index}${field}`];
  const label = `Step ${index + 1}`;
  return (
    <li className="step-card" data-step-index={index} aria-label={`${label}: ${step.name || 'unnamed'}`}>
      <header className="step-head">
        <span className="step-number" aria-hidden="true">
          {index + 1}
        </span>
        <TextField label={`${label} name`} value={step.name} onChange={(name) => onChange({ name })} problem={at('.name')} field={`approvalSteps.${index}.name`} className="step-name" maxLength={128} />
        <div className="step-tools" role="group" aria-label={`${label} order`}>
          <button type="button" className="button small icon-only" aria-label={`Move step ${index + 1} up`} title="Move up" disabled={index === 0} onClick={() => onMove(-1)}>
            <span aria-hidden="true">↑</span>
          </button>
          <button type="button" className="button small icon-only" aria-label={`Move step ${index + 1} down`} title="Move down" disabled={index === count - 1} onClick={() => onMove(1)}>
            <span aria-hidden="true">↓</span>
          </button>
          <button type="button" className="button small danger" aria-label={`Remove step ${index + 1}`} onClick={onRemove}>
            <Icon name="x" size={13} /> Remove
          </button>
        </div>
      </header>
      {at('') ? (
        <p className="field-error step-problem" role="alert">
          {at('')}
        </p>
      ) : null}
      <div className="step-body">
        <div className="step-col">
          <h4>Who approves</h4>
          <Choice
            legend={`${label}: how many approvers`}
            name={`step-mode-${step.key}`}
            value={step.mode}
            onChange={(mode) => onChange({ mode })}
            options={[
              { value: 'any', label: 'Any one of them' },
              { value: 'all', label: 'All of them' },
            ]}
          />
          <PickList label="People" options={people} value={step.approverIds} onChange={(approverIds) => onChange({ approverIds })} placeholder="Add a person…" problem={at('.approverIds')} testId={`step-${index}-approvers`} />
          <fieldset className="role-set" disabled={step.mode === 'all'}>
            <legend>Anyone holding a role</legend>
            <div className="role-grid">
              {ROLES.map((role) => (
                <Check
                  key={role}
                  label={ROLE_LABEL[role]}
                  field={`approvalSteps.${index}.approverRoles.${role}`}
                  checked={step.mode === 'any' && step.approverRoles.includes(role)}
                  onChange={(on) => onChange({ approverRoles: on ? [...step.approverRoles, role] : step.approverRoles.filter((r) => r !== role) })}
                />
              ))}
            </div>
            {step.mode === 'all' ? <span className="muted small">Roles approve only in an any-of step: all of a role cannot be waited for.</span> : null}
          </fieldset>
          <PickList
            label="Any member of a directory group"
            options={groupOptions}
            value={step.approverGroupIds}
            onChange={(approverGroupIds) => onChange({ approverGroupIds })}
            placeholder={groupOptions.length === 0 ? 'No directory groups known yet' : 'Add a group…'}
            problem={at('.approverGroupIds')}
            hint={step.mode === 'all' ? 'groups approve only in an any-of step: one member decides' : 'one member decides; membership is read when they do'}
            testId={`step-${index}-approver-groups`}
          />
          <Check label="The resource owner" field={`approvalSteps.${index}.includeResourceOwner`} checked={step.includeResourceOwner} onChange={(includeResourceOwner) => onChange({ includeResourceOwner })} />
          <Check label="The requester’s manager" field={`approvalSteps.${index}.includeManager`} checked={step.includeManager} onChange={(includeManager) => onChange({ includeManager })} />
        </div>
        <div className="step-col">
          <h4>If nobody decides in time</h4>
          <DurationField label="Time to decide" value={step.timeout} onChange={(timeout) => onChange({ timeout })} problem={at('.timeoutMinutes')} field={`approvalSteps.${index}.timeoutMinutes`} hint="then it escalates once; undecided again, the request expires" />
          <PickList label="Escalate to people" options={people} value={step.escalateToIds} onChange={(escalateToIds) => onChange({ escalateToIds })} placeholder="Add a person…" problem={at('.escalateToIds')} testId={`step-${index}-escalate-people`} />
          <PickList
            label="Escalate to directory groups"
            options={groupOptions}
            value={step.escalateToGroupIds}
            onChange={(escalateToGroupIds) => onChange({ escalateToGroupIds })}
            placeholder={groupOptions.length === 0 ? 'No directory groups known yet' : 'Add a group…'}
            problem={at('.escalateToGroupIds')}
            hint="any member may then decide"
          />
          <Check label="The resource owner" field={`approvalSteps.${index}.escalateToResourceOwner`} checked={step.escalateToResourceOwner} onChange={(escalateToResourceOwner) => onChange({ escalateToResourceOwner })} />
          <Check label="The requester’s manager’s manager" field={`approvalSteps.${index}.escalateToManagersManager`} checked={step.escalateToManagersManager} onChange={(escalateToManagersManager) => onChange({ escalateToManagersManager })} />
        </div>
      </div>
    </li>
  );
}

/** The approval chain, built step by step: each step in order, then the next. */
export function ApprovalChain({ draft, problems, onChange }: { draft: PolicyDraft; problems: Problems; onChange(next: PolicyDraft): void }) {
  const people = usePeople();
  const groups = useDirectoryGroups();
  const groupOptions = useMemo(() => groups.map((g) => ({ id: g.id, label: g.displayName, detail: `${g.memberUserIds.length} members` })).sort((a, b) => a.label.localeCompare(b.label)), [groups]);
  return (
    <div className="chain" data-testid="approval-chain">
      {draft.steps.length === 0 ? (
        <p className="muted chain-empty">{draft.autoApprove ? 'No step: eligible requests are approved as soon as the server receives them.' : draft.breakGlass ? 'No step: only the requester’s break-glass can approve.' : 'No step yet.'}</p>
      ) : (
        <ol className="steps">
          {draft.steps.map((step, index) => (
            <StepCard
              key={step.key}
              step={step}
              index={index}
              count={draft.steps.length}
              problems={problems}
              people={people}
              groupOptions={groupOptions}
              onChange={(patch) => onChange(chain.update(draft, step.key, patch))}
              onMove={(by) => onChange(chain.move(draft, step.key, by))}
              onRemove={() => onChange(chain.remove(draft, step.key))}
            />
          ))}
        </ol>
      )}
      {problems.approvalSteps ? (
        <p className="field-error" role="alert">
          {problems.approvalSteps}
        </p>
      ) : null}
      <button type="button" className="button" onClick={() => onChange(chain.add(draft))} disabled={draft.steps.length >= 8}>
        <Icon name="plus" /> Add a step
      </button>
      {draft.steps.length >= 8 ? <span className="muted small"> A chain has at most 8 steps.</span> : null}
    </div>
  );
}
