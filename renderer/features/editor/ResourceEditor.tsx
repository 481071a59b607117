import { useMemo, useState } from 'react';
import { CONNECTOR_OF_KIND, ResourceKind, Sensitivity } from '../../../core/index.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { resourceKindLabel } from '../../ui/words.js';
import { EditorFrame, EditorSection, NotEditable, RestoredNotice, SaveOutcome, StaleNotice } from './EditorFrame.js';
import { History } from './History.js';
import { Check, FieldError, TextField } from './fields.js';
import { PickList } from './PickList.js';
import { checkResourceDraft, draftOfResource, KIND_TARGET, newResourceDraft, RESOURCE_FIELDS, type ResourceDraft } from './resource-form.js';
import { useEntityEditor } from './use-entity-editor.js';
import { useWhatIf } from './use-what-if.js';
import { WhatIfPanel } from './WhatIfPanel.js';
import './editor.css';

const checkResource = (draft: ResourceDraft) => {
  const checked = checkResourceDraft(draft);
  return { payload: checked.resource, problems: checked.problems };
};

const SENSITIVITY_WORDS: Record<Sensitivity, string> = {
  low: 'Low: read-only or harmless',
  medium: 'Medium',
  high: 'High: changes people or systems',
  critical: 'Critical: control of the organisation',
};

function Select<T extends string>({ label, field, value, options, onChange, problem, hint }: { label: string; field: string; value: T; options: readonly { value: T; label: string }[]; onChange(v: T): void; problem?: string | undefined; hint?: string }) {
  const id = `resource-${field.replace(/\W/g, '-')}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} data-field={field} value={value} onChange={(e) => onChange(e.target.value as T)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-error` : undefined}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint && !problem ? <span className="muted small">{hint}</span> : null}
      <FieldError id={id} problem={problem} />
    </div>
  );
}

/** The resource editor: what is requested, who owns it, the policies that bound it, and where in the directory a grant lands. */
export function ResourceEditor({ id }: { id: string | null }) {
  const { user } = useSession();
  const { resources, policies, users } = useConsoleData();
  // Connector instances as the resources on this device name them, by kind of connector.
  const instances = useMemo(() => {
    const byConnector = new Map<string, Set<string>>();
    for (const r of resources.values()) byConnector.set(r.connector, (byConnector.get(r.connector) ?? new Set()).add(r.connectorId));
    return byConnector;
  }, [resources]);
  const fresh = useMemo(() => () => newResourceDraft(user.id, [...(instances.get('entra') ?? [])][0] ?? ''), [user.id, instances]);
  const editor = useEntityEditor({ kind: 'resource', id, stored: resources, fromStored: draftOfResource, fresh, check: checkResource, fields: RESOURCE_FIELDS });
  const { draft, problems, isNew, saver, stored } = editor;
  const view = useWhatIf(editor.change, draft && !isNew ? [draft.id] : []);
  const [restored, setRestored] = useState<string | null>(null);
  const people = useMemo(() => [...users.values()].filter((u) => !u.disabled).map((u) => ({ id: u.id, label: u.displayName, detail: u.department })).sort((a, b) => a.label.localeCompare(b.label)), [users]);
  const pairOptions = useMemo(() => [...resources.values()].filter((r) => r.id !== id && !r.archived).map((r) => ({ id: r.id, label: r.name, detail: r.sensitivity })).sort((a, b) => a.label.localeCompare(b.label)), [resources, id]);
  const policyOptions = useMemo(() => [...policies.values()].map((p) => ({ id: p.id, label: p.name, detail: p.description.slice(0, 60) })).sort((a, b) => a.label.localeCompare(b.label)), [policies]);

  if (!saver.allowed) {
    return (
      <NotEditable title="Read-only" back="resources">
        Your roles ({user.roles.join(', ') || 'none'}) do not change resources: policy admins and admins do.
      </NotEditable>
    );
  }
  if (!draft) {
    return (
      <NotEditable title={resources.size === 0 ? 'Loading the resources…' : 'No such resource'} back="resources">
        {resources.size === 0 ? 'The resource appears here once this device has it.' : `This device holds no resource ${id}.`}
      </NotEditable>
    );
  }
  const set = <K extends keyof ResourceDraft>(key: K, value: ResourceDraft[K]) => editor.edit({ ...draft, [key]: value });
  const shape = KIND_TARGET[draft.kind];
  const connector = CONNECTOR_OF_KIND[draft.kind];
  const known = [...(instances.get(connector) ?? [])].sort();
  const instanceOptions = [...new Set([...known, ...(draft.connectorId ? [draft.connectorId] : [])])];

  return (
    <EditorFrame
      back="resources"
      backLabel="Resources"
      title={isNew ? 'New resource' : `Edit ${stored?.name ?? draft.name}`}
      subtitle={<code>{draft.id}</code>}
      onSave={editor.save}
      saving={saver.state.kind === 'waiting'}
      saveLabel={isNew ? 'Create resource' : 'Save changes'}
      outcome={
        <>
          <StaleNotice at={editor.staleAt} what="resource" onReload={editor.reload} />
          {saver.state.kind === 'idle' ? <RestoredNotice at={restored} /> : null}
          <SaveOutcome state={saver.state} what="resource" refusalShownOnField={Boolean(editor.refusal?.field)} />
        </>
      }
      aside={<WhatIfPanel view={view} kind="resource" isNew={isNew} />}
    >
      <EditorSection title="What people request">
        <TextField label="Name" field="name" value={draft.name} onChange={(v) => set('name', v)} problem={problems.name} maxLength={256} placeholder="e.g. Finance-Share-RW" />
        <TextField label="Description" field="description" value={draft.description} onChange={(v) => set('description', v)} problem={problems.description} multiline maxLength={2048} placeholder="What the access allows; requesters read it" />
        <div className="field-row">
          <Select label="Sensitivity" field="sensitivity" value={draft.sensitivity} onChange={(v) => set('sensitivity', v)} problem={problems.sensitivity} options={Sensitivity.options.map((s) => ({ value: s, label: SENSITIVITY_WORDS[s] }))} hint="raises the risk score of its requests" />
          <PickList label="Owner" single options={people} value={draft.ownerId ? [draft.ownerId] : []} onChange={(v) => set('ownerId', v[0] ?? '')} placeholder="Find a person…" problem={problems.ownerId} hint="approves owner steps and signs off manual work" testId="resource-owner" />
        </div>
        <Check label="Archived" field="archived" checked={draft.archived} onChange={(v) => set('archived', v)} detail="Nobody can request it; grants already made run to their end." />
      </EditorSection>

      <EditorSection title="Access policies" lede="Every request for it is bounded by all of them: the most restrictive wins, and their approval steps run one after the other.">
        <PickList label="Policies" options={policyOptions} value={draft.policyIds} onChange={(v) => set('policyIds', v)} placeholder="Add a policy…" problem={problems.policyIds} testId="resource-policies" />
      </EditorSection>

      <EditorSection title="Separation of duties" lede="Resources nobody should hold together with this one. A request from someone holding one of them is never approved automatically: an approver decides, warned of the conflict.">
        <PickList label="Conflicts with" options={pairOptions} value={draft.conflictsWith} onChange={(v) => set('conflictsWith', v)} placeholder="Add a resource…" problem={problems.conflictsWith} hint="either resource of a pair may name the other" testId="resource-conflicts" />
      </EditorSection>

      <EditorSection title="Where a grant lands" lede={isNew ? 'The directory object a grant adds the person to. No secret is kept here: the connector holds its own credentials.' : 'Moving a resource with live grants is refused: their revocation would target the new object.'}>
        <div className="field-row">
          <Select
            label="Kind"
            field="kind"
            value={draft.kind}
            // Another kind may need another connector: its first instance on this device.
            onChange={(v) => editor.edit({ ...draft, kind: v, connectorId: CONNECTOR_OF_KIND[v] === connector ? draft.connectorId : ([...(instances.get(CONNECTOR_OF_KIND[v]) ?? [])][0] ?? '') })} problem={problems.kind} options={ResourceKind.options.map((k) => ({ value: k, label: resourceKindLabel(k) }))} hint={`served by the ${connector} connector`} />
          {instanceOptions.length > 0 ? (
            <Select label="Connector" field="connectorId" value={draft.connectorId || instanceOptions[0]!} onChange={(v) => set('connectorId', v)} problem={problems.connectorId ?? problems.connector} options={instanceOptions.map((c) => ({ value: c, label: c }))} />
          ) : (
            <TextField label="Connector" field="connectorId" value={draft.connectorId} onChange={(v) => set('connectorId', v)} problem={problems.connectorId ?? problems.connector} mono placeholder={`e.g. ${connector}-main`} hint="the configured connector's id" />
          )}
        </div>
        <TextField label={shape.externalId} field="target.externalId" value={draft.externalId} onChange={(v) => set('externalId', v)} problem={problems['target.externalId']} mono maxLength={1024} placeholder={shape.example} />
        <div className="field-row">
          {shape.scope ? (
            <TextField label="Directory scope" field="target.directoryScopeId" value={draft.directoryScopeId} onChange={(v) => set('directoryScopeId', v)} problem={problems['target.directoryScopeId']} mono placeholder="/" hint="empty: the whole tenant" />
          ) : null}
          {shape.access ? (
            <Select
              label="Granted as"
              field="target.accessId"
              value={draft.accessId || 'member'}
              onChange={(v) => set('accessId', v)}
              problem={problems['target.accessId']}
              options={[
                { value: 'member', label: 'Member' },
                { value: 'owner', label: 'Owner' },
              ]}
            />
          ) : null}
        </div>
      </EditorSection>

      {isNew ? null : (
        <History
          kind="resource"
          id={draft.id}
          onRestore={(version) => {
            editor.edit(draftOfResource(version.entity));
            setRestored(version.at);
          }}
        />
      )}
    </EditorFrame>
  );
}
