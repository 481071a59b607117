import { useMemo, useState } from 'react';
import { AccountRole } from '../../../core/index.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import { EditorFrame, EditorSection, NotEditable, RestoredNotice, SaveOutcome, StaleNotice } from './EditorFrame.js';
import { History } from './History.js';
import { ShortenGrants } from './ShortenGrants.js';
import { Check, DurationField, FieldError, TextField } from './fields.js';
import { PickList } from './PickList.js';
import { checkProfileDraft, draftOfProfile, namesNobody, newProfileDraft, PROFILE_FIELDS, type ProfileDraft } from './profile-form.js';
import { useEntityEditor } from './use-entity-editor.js';
import { useProfiles, useWhatIf } from './use-what-if.js';
import { WhatIfPanel } from './WhatIfPanel.js';
import './editor.css';

const checkProfile = (draft: ProfileDraft) => {
  const checked = checkProfileDraft(draft);
  return { payload: checked.profile, problems: checked.problems };
};

const ROLE_LABEL: Record<AccountRole, string> = {
  requester: 'Requesters',
  approver: 'Approvers',
  policy_admin: 'Policy admins',
  reviewer: 'Reviewers',
  auditor: 'Auditors',
  admin: 'Admins',
};

/** The access profile editor: who may request which resources. Only profiles make anyone eligible. */
export function ProfileEditor({ id }: { id: string | null }) {
  const { user } = useSession();
  const { resources, users } = useConsoleData();
  const list = useProfiles();
  const profiles = useMemo(() => new Map(list.profiles.map((p) => [p.id, p])), [list.profiles]);
  const editor = useEntityEditor({ kind: 'profile', id, stored: profiles, fromStored: draftOfProfile, fresh: newProfileDraft, check: checkProfile, fields: PROFILE_FIELDS });
  const { draft, problems, isNew, saver, stored } = editor;
  const governed = useMemo(() => [...new Set([...(draft?.resourceIds ?? []), ...(stored?.resourceIds ?? [])])], [draft?.resourceIds, stored?.resourceIds]);
  const view = useWhatIf(editor.change, governed);
  const [restored, setRestored] = useState<string | null>(null);
  const people = useMemo(() => [...users.values()].filter((u) => !u.disabled).map((u) => ({ id: u.id, label: u.displayName, detail: u.department })).sort((a, b) => a.label.localeCompare(b.label)), [users]);
  const departments = useMemo(() => {
    const counts = new Map<string, number>();
    for (const u of users.values()) if (u.department) counts.set(u.department, (counts.get(u.department) ?? 0) + 1);
    return [...counts].map(([name, n]) => ({ id: name, label: name, detail: `${n} ${n === 1 ? 'person' : 'people'}` })).sort((a, b) => a.label.localeCompare(b.label));
  }, [users]);
  const resourceOptions = useMemo(() => [...resources.values()].filter((r) => !r.archived || draft?.resourceIds.includes(r.id)).map((r) => ({ id: r.id, label: r.name, detail: r.sensitivity })).sort((a, b) => a.label.localeCompare(b.label)), [resources, draft?.resourceIds]);

  if (!saver.allowed) {
    return (
      <NotEditable title="Read-only" back="profiles">
        Your roles ({user.roles.join(', ') || 'none'}) do not change access profiles: policy admins and admins do.
      </NotEditable>
    );
  }
  if (!draft) {
    return (
      <NotEditable title={list.loading ? 'Loading the profiles…' : 'No such access profile'} back="profiles">
        {list.loading ? 'The profile appears here once this device has it.' : `This device holds no access profile ${id}.`}
      </NotEditable>
    );
  }
  const set = <K extends keyof ProfileDraft>(key: K, value: ProfileDraft[K]) => editor.edit({ ...draft, [key]: value });

  return (
    <EditorFrame
      back="profiles"
      backLabel="Access profiles"
      title={isNew ? 'New access profile' : `Edit ${stored?.name ?? draft.name}`}
      subtitle={<code>{draft.id}</code>}
      onSave={editor.save}
      saving={saver.state.kind === 'waiting'}
      saveLabel={isNew ? 'Create profile' : 'Save changes'}
      outcome={
        <>
          <StaleNotice at={editor.staleAt} what="profile" onReload={editor.reload} />
          {saver.state.kind === 'idle' ? <RestoredNotice at={restored} /> : null}
          <SaveOutcome state={saver.state} what="profile" refusalShownOnField={Boolean(editor.refusal?.field)} />
          <ShortenGrants whatIf={view.whatIf} inForce={stored !== undefined && editor.checked?.payload?.maxDurationMinutes === stored.maxDurationMinutes} />
        </>
      }
      aside={<WhatIfPanel view={view} kind="profile" isNew={false} />}
    >
      <EditorSection title="Name">
        <TextField label="Name" field="name" value={draft.name} onChange={(v) => set('name', v)} problem={problems.name} maxLength={256} placeholder="e.g. Finance and HR" />
        <TextField label="Description" field="description" value={draft.description} onChange={(v) => set('description', v)} problem={problems.description} multiline maxLength={2048} />
        <Check label="In force" field="enabled" checked={draft.enabled} onChange={(v) => set('enabled', v)} detail="Off, it makes nobody eligible; turning it on again is reviewed like a new profile." />
      </EditorSection>

      <EditorSection title="Members" lede="Anyone matching one of these is a member: a named person, everyone in a department, or everyone holding an account role.">
        <PickList label="People" options={people} value={draft.userIds} onChange={(v) => set('userIds', v)} placeholder="Add a person…" problem={problems.userIds} testId="profile-people" />
        <PickList label="Departments" options={departments} value={draft.departments} onChange={(v) => set('departments', v)} placeholder="Add a department…" problem={problems.departments} allowNew testId="profile-departments" />
        <fieldset className="role-set">
          <legend>Account roles</legend>
          <div className="role-grid">
            {AccountRole.options.map((role) => (
              <Check key={role} label={ROLE_LABEL[role]} field={`roles.${role}`} checked={draft.roles.includes(role)} onChange={(on) => set('roles', on ? [...draft.roles, role] : draft.roles.filter((r) => r !== role))} />
            ))}
          </div>
          <FieldError id="profile-roles" problem={problems.roles} />
        </fieldset>
        {namesNobody(draft) ? (
          <p className="muted small">
            <Icon name="alert" size={13} /> It names nobody yet: nobody becomes eligible through it.
          </p>
        ) : null}
      </EditorSection>

      <EditorSection title="What they may request">
        <PickList label="Resources" options={resourceOptions} value={draft.resourceIds} onChange={(v) => set('resourceIds', v)} placeholder="Add a resource…" problem={problems.resourceIds} testId="profile-resources" />
        <DurationField label="Duration cap (optional)" field="maxDurationMinutes" value={draft.cap} onChange={(v) => set('cap', v)} problem={problems.maxDurationMinutes} hint={draft.cap.trim() === '' ? 'none: the policies decide' : 'tighter than the policies only; several profiles: the most generous applies'} className="narrow-field" />
      </EditorSection>

      {isNew ? null : (
        <History
          kind="profile"
          id={draft.id}
          onRestore={(version) => {
            editor.edit(draftOfProfile(version.entity));
            setRestored(version.at);
          }}
        />
      )}
    </EditorFrame>
  );
}
