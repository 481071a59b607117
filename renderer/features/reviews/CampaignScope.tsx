/** The campaign form's scope and what is reviewed on it. */
import { useMemo } from 'react';
import { scopeResources, type Sensitivity } from '../../../core/index.js';
import { useConsoleData } from '../../session/console-data.js';
import { Check, Choice, FieldError, TextField } from '../editor/fields.js';
import type { Problems } from '../editor/form-fields.js';
import { PickList, type PickOption } from '../editor/PickList.js';
import type { CampaignDraft } from './campaign-form.js';

const SCOPES: { value: CampaignDraft['scopeType']; label: string }[] = [
  { value: 'resources', label: 'Resources I pick' },
  { value: 'sensitivity', label: 'Every resource of a sensitivity' },
  { value: 'standing', label: 'Discovered standing access' },
];
const SENSITIVITIES: { value: Sensitivity; label: string }[] = [
  { value: 'critical', label: 'Critical' },
  { value: 'high', label: 'High' },
  { value: 'medium', label: 'Medium' },
  { value: 'low', label: 'Low' },
];

export function CampaignScope({ draft, problems, set }: { draft: CampaignDraft; problems: Problems; set<K extends keyof CampaignDraft>(key: K, value: CampaignDraft[K]): void }) {
  const { resources } = useConsoleData();
  const options = useMemo<PickOption[]>(
    () =>
      [...resources.values()]
        .filter((r) => !r.archived)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((r) => ({ id: r.id, label: r.name, detail: `${r.sensitivity} · ${r.connectorId}` })),
    [resources],
  );
  const inScope = useMemo(() => scopeResources({ scope: { type: 'sensitivity', sensitivities: draft.sensitivities } }, [...resources.values()]).length, [draft.sensitivities, resources]);
  const resourceProblem = problems['scope.resourceIds'] ?? Object.entries(problems).find(([f]) => f.startsWith('scope.resourceIds.'))?.[1];
  const standing = draft.scopeType === 'standing';
  return (
    <>
      <Choice legend="Scope" name="scope" value={draft.scopeType} options={SCOPES} onChange={(v) => set('scopeType', v)} />
      <FieldError id="scope" problem={problems.scope} />
      {draft.scopeType === 'sensitivity' ? (
        <fieldset className="rc-inline-checks" data-field="scope.sensitivities">
          <legend>Sensitivities</legend>
          {SENSITIVITIES.map((s) => (
            <label key={s.value}>
              <input type="checkbox" checked={draft.sensitivities.includes(s.value)} onChange={(e) => set('sensitivities', e.target.checked ? [...draft.sensitivities, s.value] : draft.sensitivities.filter((x) => x !== s.value))} />
              {s.label}
            </label>
          ))}
          {problems['scope.sensitivities'] ? <FieldError id="scope-sensitivities" problem={problems['scope.sensitivities']} /> : <span className="muted small">{inScope === 1 ? '1 resource has' : `${inScope} resources have`} these sensitivities today; the scope is read again when each run opens.</span>}
        </fieldset>
      ) : (
        <PickList
          label={standing ? 'On these resources' : 'Resources'}
          options={options}
          value={draft.resourceIds}
          onChange={(ids) => set('resourceIds', ids)}
          placeholder="Type a resource name"
          problem={resourceProblem}
          hint={standing ? 'None picked: standing access on every resource, as discovery last found it.' : 'The resources whose access is reviewed.'}
          testId="scope.resourceIds"
        />
      )}
      <h3 className="rc-subhead">What is reviewed</h3>
      {standing ? (
        <p className="muted small" data-field="reviewed">
          Every holder discovery found that no grant explains, and orphaned accounts (disabled or departed), as one item each.
        </p>
      ) : (
        <div data-field="reviewed">
          <Check label="Standing members" field="reviewed.standingMembers" checked={draft.standingMembers} onChange={(v) => set('standingMembers', v)} detail="Members the directory lists that no grant explains, from the last discovery." />
          <Check label="The period’s JIT grants" field="reviewed.jitGrants" checked={draft.jitGrants} onChange={(v) => set('jitGrants', v)} detail="Grants live when the run opens, and those that ended within the days below." />
          {draft.jitGrants ? (
            <TextField label="Grants ended within (days)" field="lookBackDays" value={draft.lookBackDays} onChange={(v) => set('lookBackDays', v)} problem={problems.lookBackDays} className="narrow-field rc-indented" maxLength={3} hint="0: only grants live at opening" />
          ) : null}
          <Check label="Eligibility from access profiles" field="reviewed.eligibility" checked={draft.eligibility} onChange={(v) => set('eligibility', v)} detail="People an enabled access profile names for these resources; removing one takes them off the profile." />
          <FieldError id="reviewed" problem={problems.reviewed} />
        </div>
      )}
    </>
  );
}
