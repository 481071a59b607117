import type { ReactNode } from 'react';
import { formatDuration, overMaximumInWords, type ConfigWhatIf, type EligibilityShift, type RequestOutcome } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { useConsoleData } from '../../session/console-data.js';
import { Icon, sentence, StatusPill, Time } from '../../ui/ui.js';
import { readableWidening } from '../proposals/proposal-model.js';
import { WHAT_IF_DAYS, type WhatIfView } from './use-what-if.js';

const SHOWN = 40;

const people = (n: number) => `${n.toLocaleString()} ${n === 1 ? 'person' : 'people'}`;

function More({ shown, total, what }: { shown: number; total: number; what: string }) {
  return total > shown ? <p className="muted small">and {(total - shown).toLocaleString()} more {what}</p> : null;
}

function outcomeLabel(outcome: RequestOutcome): { text: string; tone: string } {
  if (outcome.kind === 'refused') return { text: 'Refused', tone: 'tone-danger' };
  if (outcome.kind === 'auto-approved') return { text: 'Automatic', tone: 'tone-success' };
  return { text: outcome.steps.length === 1 ? '1 step' : `${outcome.steps.length} steps`, tone: 'tone-info' };
}

function Section({ title, count, children, testId }: { title: string; count?: ReactNode; children: ReactNode; testId: string }) {
  return (
    <section className="wi-section" data-testid={testId} aria-label={title}>
      <h3>
        {title}
        {count !== undefined ? <span className="wi-count">{count}</span> : null}
      </h3>
      {children}
    </section>
  );
}

/** Whether saving applies at once, becomes a proposal, or is refused, and why: the server's own judgement, computed here. */
export function SaveVerdict({ view, isNew }: { view: WhatIfView; isNew: boolean }) {
  const { users, resources, policies } = useConsoleData();
  const names = { users, resources, policies };
  if (view.widensOwn) {
    return (
      <div className="notice danger wi-verdict" role="status" data-testid="save-verdict">
        <Icon name="ban" />
        <span>
          The server will refuse this change: it widens your own access ({readableWidening(view.widenings[0] ?? '', names)}). Someone who does not benefit from it must propose it.
        </span>
      </div>
    );
  }
  if (view.widenings.length > 0) {
    return (
      <div className="notice warning wi-verdict wi-verdict-list" role="status" data-testid="save-verdict">
        <Icon name="users" />
        <div>
          <strong>Saving proposes this change to a second person.</strong> It widens access, so it applies once another policy admin or admin approves it:
          <ul>
            {view.widenings.slice(0, 6).map((w) => (
              <li key={w}>{sentence(readableWidening(w, names))}</li>
            ))}
          </ul>
          {view.widenings.length > 6 ? <span className="small">and {view.widenings.length - 6} more</span> : null}
        </div>
      </div>
    );
  }
  return (
    <div className="notice success wi-verdict" role="status" data-testid="save-verdict">
      <Icon name="check" />
      <span>{isNew ? 'Saving creates it at once: nothing names it yet, so it widens nobody’s access.' : 'Saving applies at once: the change only tightens, or widens nothing.'}</span>
    </div>
  );
}

function Shifts({ shifts, total, label, tone }: { shifts: EligibilityShift[]; total: number; label: string; tone: string }) {
  const { users, resources } = useConsoleData();
  if (total === 0) return null;
  return (
    <div className="wi-shift">
      <div className="wi-shift-head">
        <span className={`pill ${tone}`}>{label}</span> <strong>{people(total)}</strong>
      </div>
      <ul className="wi-names">
        {shifts.slice(0, SHOWN).map((s) => (
          <li key={s.userId}>
            <span className="strong">{users.get(s.userId)?.displayName ?? s.userId}</span>
            <span className="muted small"> · {s.resourceIds.map((id) => resources.get(id)?.name ?? id).join(', ')}</span>
          </li>
        ))}
      </ul>
      <More shown={Math.min(SHOWN, shifts.length)} total={total} what="people" />
    </div>
  );
}

function Eligibility({ whatIf, kind }: { whatIf: ConfigWhatIf; kind: 'policy' | 'profile' | 'resource' }) {
  const { resources } = useConsoleData();
  const e = whatIf.eligibility;
  const what = whatIf.resourceIds.length === 1 ? (resources.get(whatIf.resourceIds[0]!)?.name ?? whatIf.resourceIds[0]) : `${whatIf.resourceIds.length} resources`;
  const unchanged = e.gainedCount === 0 && e.lostCount === 0;
  return (
    <Section title="Who can request" count={unchanged ? 'unchanged' : `${e.before} → ${e.after}`} testId="what-if-eligibility">
      {whatIf.resourceIds.length === 0 ? (
        <p className="muted">No resource is bound to it yet: it decides no request until a resource names it.</p>
      ) : (
        <p>
          {people(e.after)} can request {what}
          {unchanged ? '' : ` after the change (${e.before} before)`}.
          {kind === 'policy' ? <span className="muted"> Only access profiles decide who is eligible; a policy changes how their requests are decided.</span> : null}
        </p>
      )}
      <Shifts shifts={e.gained} total={e.gainedCount} label="Gain" tone="tone-warning" />
      <Shifts shifts={e.lost} total={e.lostCount} label="Lose" tone="tone-neutral" />
    </Section>
  );
}

function Requests({ whatIf }: { whatIf: ConfigWhatIf }) {
  const { users, resources } = useConsoleData();
  const r = whatIf.requests;
  const changed = r.counts.newlyRefused + r.counts.noLongerRefused + r.counts.toChain + r.counts.toAutomatic + r.counts.otherwise;
  const chips: [number, string, string][] = [
    [r.counts.newlyRefused, 'refused', 'tone-danger'],
    [r.counts.noLongerRefused, 'no longer refused', 'tone-warning'],
    [r.counts.toChain, 'to a chain', 'tone-info'],
    [r.counts.toAutomatic, 'automatic', 'tone-warning'],
    [r.counts.otherwise, 'otherwise', 'tone-neutral'],
  ];
  return (
    <Section title={`Last ${WHAT_IF_DAYS} days’ requests`} count={`${changed} of ${r.considered} decided differently`} testId="what-if-requests">
      {r.considered === 0 ? (
        <p className="muted">No request on these resources in the last {WHAT_IF_DAYS} days to replay.</p>
      ) : changed === 0 ? (
        <p>Each of the {r.considered.toLocaleString()} would be decided the same way, asked today.</p>
      ) : (
        <>
          <div className="wi-chips">
            {chips
              .filter(([n]) => n > 0)
              .map(([n, label, tone]) => (
                <span key={label} className={`pill ${tone}`}>
                  {n} {label}
                </span>
              ))}
          </div>
          <ul className="wi-requests">
            {r.changed.slice(0, SHOWN).map((c) => {
              const before = outcomeLabel(c.before);
              const after = outcomeLabel(c.after);
              return (
                <li key={c.requestId} data-request-id={c.requestId}>
                  <div className="wi-request-head">
                    <a href={href('requests', c.requestId)} className="strong">
                      {users.get(c.requesterId)?.displayName ?? c.requesterId}
                    </a>
                    <span className="muted small">
                      {resources.get(c.resourceId)?.name ?? c.resourceId} · {formatDuration(c.durationMinutes)} · <Time iso={c.createdAt} />
                    </span>
                    <span className="wi-outcomes" aria-label={`${before.text}, then ${after.text}`}>
                      <span className={`pill ${before.tone}`}>{before.text}</span>
                      <span aria-hidden="true">→</span>
                      <span className={`pill ${after.tone}`}>{after.text}</span>
                    </span>
                  </div>
                  <div className="small wi-why">
                    {sentence(c.why)} <span className="muted">In fact: </span>
                    <StatusPill status={c.status} />
                  </div>
                </li>
              );
            })}
          </ul>
          <More shown={Math.min(SHOWN, r.changed.length)} total={changed} what="requests" />
        </>
      )}
      {r.skipped > 0 ? <p className="muted small">{r.skipped} request(s) by people this device does not know were not replayed.</p> : null}
      <p className="muted small">Each request is decided again as of the time it was asked, once under the configuration as it is and once under the change, by the rules the server uses.</p>
    </Section>
  );
}

function Grants({ whatIf }: { whatIf: ConfigWhatIf }) {
  const { users, resources } = useConsoleData();
  const g = whatIf.grants;
  return (
    <Section title="Active grants past a new maximum" count={`${g.overMaximumCount} of ${g.live}`} testId="what-if-grants">
      {g.overMaximumCount === 0 ? (
        <p className="muted">{g.live === 0 ? 'No active grant on these resources.' : `None of the ${g.live} active grant(s) runs past the maximum.`}</p>
      ) : (
        <>
          <ul className="wi-grants">
            {g.overMaximum.slice(0, SHOWN).map((grant) => (
              <li key={grant.grantId} data-grant-id={grant.grantId}>
                <div className="wi-request-head">
                  <span className="strong">{users.get(grant.userId)?.displayName ?? grant.userId}</span>
                  <span className="muted small">{resources.get(grant.resourceId)?.name ?? grant.resourceId}</span>
                </div>
                <div className="small">
                  {sentence(overMaximumInWords(grant))} Ends <Time iso={grant.expiresAt} />; under the new maximum it would have ended <Time iso={grant.shortenedExpiresAt} />.
                </div>
              </li>
            ))}
          </ul>
          <More shown={Math.min(SHOWN, g.overMaximum.length)} total={g.overMaximumCount} what="grants" />
          <p className="muted small">
            Saving does not shorten them: each keeps its planned end, and any more time asked for is bounded by the new maximum. To end one sooner, revoke it on <a href={href('grants')}>Active grants</a>.
          </p>
        </>
      )}
    </Section>
  );
}

/** The what-if beside the form: computed on this device, from its replica, by core's rules. */
export function WhatIfPanel({ view, kind, isNew, note }: { view: WhatIfView; kind: 'policy' | 'profile' | 'resource'; isNew: boolean; note?: string | undefined }) {
  return (
    <aside className="wi-panel" aria-label="What-if" data-testid="what-if">
      <header className="wi-header">
        <h2>What-if</h2>
        <span className="muted small">
          <Icon name="cloud-off" size={13} /> Computed on this device, offline too
        </span>
      </header>
      {view.whatIf === null ? (
        <p className="muted wi-empty">Fix the fields marked in the form to see what the change would do.</p>
      ) : (
        <>
          <SaveVerdict view={view} isNew={isNew} />
          {note ? (
            <p className="notice info small" data-testid="what-if-note">
              {note}
            </p>
          ) : null}
          <Eligibility whatIf={view.whatIf} kind={kind} />
          <Requests whatIf={view.whatIf} />
          <Grants whatIf={view.whatIf} />
        </>
      )}
    </aside>
  );
}

/** The replay and the grants of a proposed change, for the second person reviewing it (features/proposals). */
export function ProposalReplay({ view }: { view: WhatIfView }) {
  if (!view.whatIf) return null;
  return (
    <div className="wi-replay" data-testid="proposal-replay">
      <Requests whatIf={view.whatIf} />
      <Grants whatIf={view.whatIf} />
    </div>
  );
}
