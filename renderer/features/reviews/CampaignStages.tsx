/** The campaign form's stages: who reviews at each (up to three), and who reviews when they cannot. */
import { useMemo } from 'react';
import { REVIEWING_ROLES, type ReviewerRule } from '../../../core/index.js';
import { useConsoleData } from '../../session/console-data.js';
import { Icon } from '../../ui/ui.js';
import { FieldError, TextField } from '../editor/fields.js';
import type { Problems } from '../editor/form-fields.js';
import { PickList, type PickOption } from '../editor/PickList.js';
import { useDirectoryGroups } from '../editor/use-directory-groups.js';
import { MAX_STAGES, stages, type CampaignDraft, type ReviewerDraft, type StageDraft } from './campaign-form.js';

const RULE_LABEL: Record<ReviewerRule['type'], string> = {
  resource_owner: 'The resource owner',
  manager: 'The person’s manager',
  person: 'A named person',
  group: 'Any member of a group',
};
const RULE_HINT: Record<ReviewerRule['type'], string> = {
  resource_owner: 'The owner named on each resource reviews its items.',
  manager: 'The manager the directory names for the person reviewed; an eligibility by department has nobody, so the fallback reviews.',
  person: 'Only people with the approver, policy admin, reviewer or admin role can review.',
  group: 'Any member of the directory group may decide; members without a reviewing role are left out.',
};

function ReviewerFields({ label, field, value, onChange, problems, people, groups }: { label: string; field: string; value: ReviewerDraft; onChange(next: ReviewerDraft): void; problems: Problems; people: readonly PickOption[]; groups: readonly PickOption[] }) {
  const selectId = `${field}-type`;
  return (
    <div className="rc-reviewer" data-field={field}>
      <div className="field">
        <label htmlFor={selectId}>{label}</label>
        <select id={selectId} data-field={`${field}.type`} value={value.type} onChange={(e) => onChange({ ...value, type: e.target.value as ReviewerRule['type'] })} aria-invalid={problems[field] ? true : undefined}>
          {(Object.keys(RULE_LABEL) as ReviewerRule['type'][]).map((t) => (
            <option key={t} value={t}>
              {RULE_LABEL[t]}
            </option>
          ))}
        </select>
        {problems[field] ? <FieldError id={field} problem={problems[field]} /> : <span className="muted small">{RULE_HINT[value.type]}</span>}
      </div>
      {value.type === 'person' ? (
        <PickList label={`${label}: person`} single options={people} value={value.userId ? [value.userId] : []} onChange={(ids) => onChange({ ...value, userId: ids[0] ?? '' })} placeholder="Type a name" problem={problems[`${field}.userId`]} testId={`${field}.userId`} />
      ) : null}
      {value.type === 'group' ? (
        <PickList
          label={`${label}: group`}
          single
          options={groups}
          value={value.groupId ? [value.groupId] : []}
          onChange={(ids) => onChange({ ...value, groupId: ids[0] ?? '' })}
          placeholder={groups.length === 0 ? 'No directory groups on this device yet' : 'Type a group name'}
          problem={problems[`${field}.groupId`]}
          testId={`${field}.groupId`}
        />
      ) : null}
    </div>
  );
}

function StageCard({ stage, index, count, problems, people, groups, onChange, onRemove }: { stage: StageDraft; index: number; count: number; problems: Problems; people: readonly PickOption[]; groups: readonly PickOption[]; onChange(patch: Partial<Omit<StageDraft, 'key'>>): void; onRemove(): void }) {
  const at = `stages.${index}`;
  return (
    <li className="step-card" data-stage-index={index} aria-label={`Stage ${index + 1}: ${stage.name || 'unnamed'}`}>
      <header className="step-head">
        <span className="step-number" aria-hidden="true">
          {index + 1}
        </span>
        <TextField label={`Stage ${index + 1} name`} value={stage.name} onChange={(name) => onChange({ name })} problem={problems[`${at}.name`]} field={`${at}.name`} className="step-name" maxLength={128} />
        {count > 1 ? (
          <div className="step-tools">
            <button type="button" className="button small danger" aria-label={`Remove stage ${index + 1}`} onClick={onRemove}>
              <Icon name="x" size={13} /> Remove
            </button>
          </div>
        ) : null}
      </header>
      {problems[at] ? (
        <p className="field-error step-problem" role="alert">
          {problems[at]}
        </p>
      ) : null}
      <div className="step-body">
        <ReviewerFields label="Reviewer" field={`${at}.reviewer`} value={stage.reviewer} onChange={(reviewer) => onChange({ reviewer })} problems={problems} people={people} groups={groups} />
        <ReviewerFields label="Fallback reviewer" field={`${at}.fallback`} value={stage.fallback} onChange={(fallback) => onChange({ fallback })} problems={problems} people={people} groups={groups} />
      </div>
    </li>
  );
}

/** Stages run in order: each stage's decision passes the item to the next; the last stage's decision is the item's. */
export function CampaignStages({ draft, problems, onChange }: { draft: CampaignDraft; problems: Problems; onChange(next: CampaignDraft): void }) {
  const { users } = useConsoleData();
  const directoryGroups = useDirectoryGroups();
  const people = useMemo<PickOption[]>(
    () =>
      [...users.values()]
        .filter((u) => !u.disabled && u.roles.some((r) => REVIEWING_ROLES.includes(r)))
        .sort((a, b) => a.displayName.localeCompare(b.displayName))
        .map((u) => ({ id: u.id, label: u.displayName, detail: [u.department, u.roles.filter((r) => r !== 'requester').join(', ')].filter(Boolean).join(' · ') })),
    [users],
  );
  const groups = useMemo<PickOption[]>(() => directoryGroups.map((g) => ({ id: g.id, label: g.displayName, detail: `${g.memberUserIds.length} members` })).sort((a, b) => a.label.localeCompare(b.label)), [directoryGroups]);
  return (
    <>
      <ol className="steps" data-field="stages">
        {draft.stages.map((stage, index) => (
          <StageCard
            key={stage.key}
            stage={stage}
            index={index}
            count={draft.stages.length}
            problems={problems}
            people={people}
            groups={groups}
            onChange={(patch) => onChange(stages.update(draft, stage.key, patch))}
            onRemove={() => onChange(stages.remove(draft, stage.key))}
          />
        ))}
      </ol>
      <FieldError id="stages" problem={problems.stages} />
      <div className="rc-add-stage">
        <button type="button" className="button" onClick={() => onChange(stages.add(draft))} disabled={draft.stages.length >= MAX_STAGES} data-testid="add-stage">
          <Icon name="plus" size={14} /> Add a stage
        </button>
        <span className="muted small">{draft.stages.length >= MAX_STAGES ? `At most ${MAX_STAGES} stages.` : `Up to ${MAX_STAGES} stages; nobody reviews their own access at any of them.`}</span>
      </div>
    </>
  );
}
