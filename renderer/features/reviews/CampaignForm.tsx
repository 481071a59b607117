/**
 * The campaign definition form: a new campaign (#/reviews/new) or an existing one's definition
 * (#/reviews/edit/<id>), for the people review.campaign_upsert lets do it: reviewers and admins
 * create; the owner or an admin edits; the break-glass campaign is the server's. Every field is one
 * the server enforces; the summary beside it shows the openings the schedule books.
 */
import { useMemo, useState } from 'react';
import type { ReviewCampaign } from '../../../core/index.js';
import { maySendAs } from '../../session/permissions.js';
import { useConsoleData } from '../../session/console-data.js';
import { useViewer } from '../../session/viewer.js';
import { EmptyState, Icon, sentence } from '../../ui/ui.js';
import { EditorSection } from '../editor/EditorFrame.js';
import { TextField } from '../editor/fields.js';
import { newEntityId } from '../editor/form-fields.js';
import { localTimeZone } from '../editor/rules-form.js';
import { useDirectoryGroups } from '../editor/use-directory-groups.js';
import { campaignFormFields, checkCampaignDraft, draftOfCampaign, newCampaignDraft, placeCampaignRefusal, shownProblems, type CampaignDraft } from './campaign-form.js';
import { CampaignSchedule } from './CampaignSchedule.js';
import { CampaignScope } from './CampaignScope.js';
import { CampaignStages } from './CampaignStages.js';
import { CampaignSummary } from './CampaignSummary.js';
import { reviewHref } from './review-route.js';
import { useCampaignSave } from './use-campaign-save.js';
import { useReviewData } from './use-reviews.js';
import '../editor/editor.css';
import './campaign-form.css';

export function CampaignForm({ campaignId }: { campaignId: string | null }) {
  const { campaignsById, loading } = useReviewData();
  const stored = campaignId ? campaignsById.get(campaignId) : undefined;
  const viewer = useViewer();
  if (campaignId && !stored) {
    return loading ? <EmptyState title="Loading the campaign…" icon="clock" /> : <EmptyState title="No such campaign on this device" icon="check-square">It may have been removed, or your roles do not replicate it.</EmptyState>;
  }
  const back = stored ? reviewHref({ view: 'campaign', campaignId: stored.id }) : reviewHref({ view: 'list' });
  if (stored?.system) {
    return (
      <EmptyState title="Kept by the server" icon="check-square" action={<a className="button" href={back}>Back</a>}>
        {stored.name} holds every break-glass follow-up; its items are decided, its definition is not edited.
      </EmptyState>
    );
  }
  const allowed = maySendAs(viewer, 'review.campaign_upsert', !stored || stored.ownerId === viewer.id ? 'own' : 'other');
  if (!allowed) {
    return (
      <EmptyState title="Read-only" icon="check-square" action={<a className="button" href={back}>Back</a>}>
        {stored ? 'Only the campaign’s owner or an admin changes its definition.' : 'Reviewers and admins define access review campaigns.'}
      </EmptyState>
    );
  }
  return <CampaignFormBody key={stored?.id ?? 'new'} stored={stored} back={back} />;
}

function CampaignFormBody({ stored, back }: { stored: ReviewCampaign | undefined; back: string }) {
  const { campaignsById, items } = useReviewData();
  const { users, resources } = useConsoleData();
  const groups = useDirectoryGroups();
  const saver = useCampaignSave();
  const [initial] = useState<CampaignDraft>(() => (stored ? draftOfCampaign(stored, localTimeZone()) : newCampaignDraft(localTimeZone())));
  const [edited, setEdited] = useState<CampaignDraft>(initial);
  const [attempted, setAttempted] = useState(false);
  const [createdId, setCreatedId] = useState<string | null>(null);
  const isNew = !stored && createdId === null;
  const takenIds = useMemo(() => new Set([...campaignsById.keys(), ...items.map((i) => i.id)]), [campaignsById, items]);
  // A new campaign's id follows its name ("rc-quarterly-admins"), never one in use.
  const draft = useMemo(() => (stored ? edited : { ...edited, id: createdId ?? newEntityId('rc', edited.name || 'new', (x) => takenIds.has(x)) }), [stored, edited, createdId, takenIds]);
  const known = useMemo(
    () => ({ userIds: new Set(users.keys()), groupIds: groups.length > 0 ? new Set(groups.map((g) => g.id)) : null, resourceIds: new Set(resources.keys()) }),
    [users, groups, resources],
  );
  const checked = useMemo(() => checkCampaignDraft(draft, known), [draft, known]);
  const refusal = saver.state.kind === 'rejected' ? placeCampaignRefusal(saver.state.message, campaignFormFields(draft)) : null;
  const problems = useMemo(() => {
    const shown = { ...shownProblems(checked.problems, initial, draft, attempted) };
    if (refusal?.field) shown[refusal.field] = refusal.fieldMessage;
    return shown;
  }, [checked.problems, initial, draft, attempted, refusal]);
  const groupNames = useMemo(() => new Map(groups.map((g) => [g.id, g.displayName])), [groups]);
  const waiting = saver.state.kind === 'waiting';
  const current = campaignsById.get(draft.id);

  const edit = (next: CampaignDraft) => {
    if (!waiting) saver.reset();
    setEdited(next);
  };
  const set = <K extends keyof CampaignDraft>(key: K, value: CampaignDraft[K]) => edit({ ...draft, [key]: value });
  const save = () => {
    setAttempted(true);
    if (!checked.definition || waiting) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('.editor-form [aria-invalid="true"], .editor-form .field-error')?.scrollIntoView({ block: 'center' }));
      return;
    }
    if (isNew) setCreatedId(checked.definition.id);
    void saver.save(checked.definition);
  };
  const problemCount = Object.keys(checked.problems).length;

  return (
    <div className="page editor-page rc-form" data-testid="campaign-form">
      <header className="pane-header editor-header">
        <div className="editor-title">
          <a href={back} className="muted small editor-back">
            ← {stored ? stored.name : 'Access reviews'}
          </a>
          <h1>{stored ? `Edit ${stored.name}` : isNew ? 'New review campaign' : `Edit ${current?.name ?? draft.name}`}</h1>
          <div className="muted small">
            <code>{draft.id}</code>
            {stored ? ` · run ${stored.run} · ${stored.status}` : isNew ? ' · you will own it' : ' · yours'}
          </div>
        </div>
        <div className="actions">
          <a className="button" href={back}>
            Cancel
          </a>
          <button type="button" className="button primary" onClick={save} disabled={waiting} data-testid="save">
            {isNew ? 'Create campaign' : 'Save changes'} <span className="kbd-hint">Ctrl ↵</span>
          </button>
        </div>
      </header>
      <Outcome state={saver.state} refusal={refusal?.sentence ?? null} attempted={attempted} problemCount={problemCount} campaignHref={current ? reviewHref({ view: 'campaign', campaignId: current.id }) : null} nextOpensAt={current?.nextOpensAt ?? null} />
      <div
        className="editor-layout"
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            save();
          }
        }}
      >
        <div className="editor-form">
          <EditorSection title="Campaign">
            <TextField label="Name" field="name" value={draft.name} onChange={(v) => set('name', v)} problem={problems.name} maxLength={256} placeholder="e.g. Quarterly privileged access" />
            <TextField label="Description" field="description" value={draft.description} onChange={(v) => set('description', v)} problem={problems.description} multiline maxLength={2048} placeholder="What it is for; reviewers read it above their items" />
          </EditorSection>
          <EditorSection title="Scope" lede="Which access is reviewed. Each run takes a snapshot of it when it opens: items do not move under the reviewers.">
            <CampaignScope draft={draft} problems={problems} set={set} />
          </EditorSection>
          <EditorSection title="Reviewers" lede="Stages run in order: each stage’s decision passes the item to the next, and the last stage’s decision is the item’s. The fallback reviews when the reviewer is missing, disabled, holds no reviewing role, or is the person reviewed.">
            <CampaignStages draft={draft} problems={problems} onChange={edit} />
          </EditorSection>
          <EditorSection title="Schedule and deadline">
            <CampaignSchedule draft={draft} problems={problems} set={set} />
          </EditorSection>
        </div>
        <CampaignSummary draft={draft} runsSoFar={stored?.run ?? 0} groupNames={groupNames} />
      </div>
    </div>
  );
}

function Outcome({ state, refusal, attempted, problemCount, campaignHref, nextOpensAt }: { state: ReturnType<typeof useCampaignSave>['state']; refusal: string | null; attempted: boolean; problemCount: number; campaignHref: string | null; nextOpensAt: string | null }) {
  if (state.kind === 'idle') {
    return attempted && problemCount > 0 ? (
      <div className="notice danger" role="alert" data-testid="save-outcome">
        <Icon name="alert" />
        <span>Not saved: {problemCount === 1 ? 'one field needs' : `${problemCount} fields need`} fixing, marked below.</span>
      </div>
    ) : null;
  }
  if (state.kind === 'waiting') {
    return (
      <div className="notice warning" role="status" data-testid="save-outcome">
        <Icon name="clock" /> Sent; waiting for the server to save the campaign (offline: it is sent when the connection returns).
      </div>
    );
  }
  if (state.kind === 'applied') {
    return (
      <div className="notice success" role="status" data-testid="save-outcome">
        <Icon name="check" />
        <span>
          Saved.{nextOpensAt ? ` The next run opens ${new Date(nextOpensAt).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' })}.` : ''} {campaignHref ? <a href={campaignHref}>Open the campaign</a> : null} · <a href={reviewHref({ view: 'list' })}>All campaigns</a>
        </span>
      </div>
    );
  }
  return (
    <div className="notice danger" role="alert" data-testid="save-outcome">
      <Icon name="alert" />
      <span>{state.kind === 'rejected' ? `Not saved: ${sentence(refusal ?? state.message)}` : `Could not record the change: ${sentence(state.message)}`}</span>
    </div>
  );
}
