import clsx from 'clsx';
import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import { openProposals } from '../features/proposals/proposal-model.js';
import { isMine } from '../features/queue/queue-views.js';
import { TasksBadge } from '../features/tasks/TasksPage.js';
import { useNow } from '../lib/use-rx.js';
import { allowedRoles, COMMAND_ROLES, ENDPOINT_ACCESS, namesApprover, type CollectionName } from '../../core/index.js';
import { useConsoleData } from '../session/console-data.js';
import { isReadOnly, maySend } from '../session/permissions.js';
import { syncPill } from '../session/reach.js';
import { useSession } from '../session/session.js';
import { WitnessBanner } from '../features/audit/WitnessBanner.js';
import { useViewer } from '../session/viewer.js';
import { useToasts } from '../ui/toasts.js';
import { Avatar, EmptyState, Icon, Kbd, type IconName } from '../ui/ui.js';
import { href, navigate, type Screen } from './router.js';
import { isTypingTarget, useSearch } from './search.js';

/**
 * needs: the collections the screen reads; shown only when the replica has them (the roles replicate
 * them, core SYNC_READ). roles: shown only to these account roles as well (absent: to anyone).
 */
type NavItem = { screen: Screen; label: string; icon: IconName; needs: readonly CollectionName[]; roles?: readonly string[] };

const DECIDERS = ['approver', 'policy_admin', 'admin'];
/** Who may ask for access (the matrix's request.create): they have Request access and My access. */
const ASKERS = COMMAND_ROLES['request.create'];
/** Everyone's requests and grants: every role but a requester's, whose own are in My access. */
const OVERSEERS = ['approver', 'policy_admin', 'reviewer', 'auditor', 'admin'];
const NAV: NavItem[] = [
  { screen: 'queue', label: 'Queue', icon: 'inbox', needs: ['requests', 'users', 'resources'], roles: DECIDERS },
  { screen: 'my-access', label: 'My access', icon: 'id-card', needs: ['requests', 'grants'], roles: ASKERS },
  { screen: 'request-access', label: 'Request access', icon: 'plus', needs: ['resources'], roles: ASKERS },
  { screen: 'tasks', label: 'My tasks', icon: 'clipboard', needs: ['tasks', 'grants'], roles: COMMAND_ROLES['task.close'] },
  { screen: 'requests', label: 'Requests', icon: 'list', needs: ['requests', 'grants', 'audit'], roles: OVERSEERS },
  { screen: 'grants', label: 'Active grants', icon: 'key', needs: ['grants', 'requests'], roles: OVERSEERS },
  { screen: 'revocations', label: 'Revocations', icon: 'shield-off', needs: ['grants', 'tasks', 'verifications'], roles: ['approver', 'admin', 'auditor'] },
  // Everyone whose roles replicate the campaigns: their owners, the reviewers they name, auditors.
  { screen: 'reviews', label: 'Reviews', icon: 'check-square', needs: ['reviews'] },
  // Read over REST (no collection to wait for), by those the matrix lets read it.
  { screen: 'standing-access', label: 'Standing access', icon: 'user-check', needs: [], roles: allowedRoles(ENDPOINT_ACCESS['GET /api/v1/standing-access']) },
  { screen: 'policies', label: 'Policies', icon: 'file-text', needs: ['policies', 'resources'] },
  { screen: 'resources', label: 'Resources', icon: 'box', needs: ['resources', 'policies'] },
  { screen: 'profiles', label: 'Profiles', icon: 'user-check', needs: ['profiles', 'resources'] },
  { screen: 'proposals', label: 'Proposals', icon: 'users', needs: ['proposals'], roles: ['policy_admin', 'admin', 'auditor'] },
  { screen: 'audit', label: 'Audit', icon: 'scroll', needs: ['audit'] },
  { screen: 'evidence', label: 'Evidence', icon: 'download', needs: ['audit', 'requests', 'grants'], roles: ['auditor', 'admin'] },
  { screen: 'accounts', label: 'Accounts', icon: 'user', needs: [], roles: ['admin'] }, // read over REST: no collection to wait for
];

/** Screens every signed-in person has: their rejected decisions, settings, and Connectors (which checks its own roles). */
const ALWAYS: readonly string[] = ['rejected', 'settings', 'connectors', 'search'];

/** Screens a nav entry links into without being in the navigation itself: My access opens a request's page. */
const LINKED: Partial<Record<Screen, readonly Screen[]>> = { 'my-access': ['requests'] };

export function SyncIndicator() {
  const { status } = useConsoleData();
  const waiting = status.pendingCommands;
  const pill = syncPill(status);
  return (
    <div className={clsx('sync', `sync-${pill.tone}`)} title={pill.detail} data-testid="sync-state" role="status" aria-live="polite">
      <Icon name={pill.icon} />
      <span className="sync-label">
        {pill.label}
        {pill.showMore ? pill.more : pill.more ? <span className="visually-hidden">{pill.more}</span> : null}
      </span>
      {waiting > 0 ? (
        <span className="sync-waiting" data-testid="sync-waiting">
          {waiting} {waiting === 1 ? 'change' : 'changes'} waiting
        </span>
      ) : null}
    </div>
  );
}

export function Layout({ screen, children }: { screen: string; children: ReactNode }) {
  const { user, db } = useSession();
  const { pending, pendingLoading, rejections, proposals, loading } = useConsoleData();
  // The queue's count is what this person may decide, not everything pending they can see.
  // Judged with the directory groups the person is in: a step naming one is theirs to decide.
  const viewer = useViewer();
  const mineCount = useMemo(() => pending.filter((r) => isMine(r, viewer)).length, [pending, viewer]);
  const now = useNow(60_000);
  const waitingProposals = openProposals(proposals, now).length;
  // Someone holding only the requester role decides the requests whose steps name them (a manager,
  // a resource owner): their replica holds those beside their own, and the queue shows for them.
  const namedOnSome = useMemo(() => maySend(user, 'request.approve') && pending.some((r) => r.requesterId !== user.id && namesApprover(r, user.id, viewer.groupIds)), [pending, user, viewer]);
  const nav = NAV.filter(
    (item) =>
      item.needs.every((name) => name in db.collections) &&
      (!item.roles || item.roles.some((role) => (user.roles as readonly string[]).includes(role)) || (item.screen === 'queue' && namedOnSome)),
  );
  const allowed = ALWAYS.includes(screen) || nav.some((item) => item.screen === screen || LINKED[item.screen]?.includes(screen as Screen));
  const landing = nav[0]?.screen ?? 'settings';
  // The screen's collections are still loading from scratch: what it shows is partial (aria-busy on main says so).
  const busy = (nav.find((item) => item.screen === screen)?.needs ?? []).some((name) => loading.has(name));

  // The default screen (the queue) is an approver's: anyone else lands on their first screen.
  useEffect(() => {
    if (!allowed) navigate(landing);
  }, [allowed, landing]);
  const { query, setQuery, inputRef } = useSearch();
  const toasts = useToasts();
  const readOnly = isReadOnly(user);
  const lastReadOnlyNotice = useRef(0);

  // Someone whose roles send no command (an auditor): the decision shortcuts only say so.
  useEffect(() => {
    if (!readOnly) return;
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
      if (!['a', 'A', 'd', 'x'].includes(event.key)) return;
      event.preventDefault();
      // One notice at a time: pressing the key again while it shows does not stack more.
      if (Date.now() - lastReadOnlyNotice.current < 4_000) return;
      lastReadOnlyNotice.current = Date.now();
      toasts.push({ tone: 'info', title: 'Read-only', body: 'Your roles view the console; they do not approve, deny, revoke or change anything.' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [readOnly, toasts]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === '/' && !isTypingTarget(event.target) && !event.ctrlKey && !event.metaKey && !document.querySelector('dialog[open]')) {
        event.preventDefault();
        inputRef.current?.focus();
        inputRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [inputRef]);

  // Each screen starts with an empty search: a filter typed for the queue would hide grants.
  // (The search screen keeps the words it was opened with.)
  useEffect(() => {
    if (screen !== 'search') setQuery('');
  }, [screen, setQuery]);

  // Connectors is opened from Revocations: keep that entry lit there.
  const navScreen = screen === 'connectors' ? 'revocations' : screen;
  // These screens filter their own list as people type; Shift+Enter (Enter elsewhere) searches everything.
  const filters = ['queue', 'request-access', 'requests', 'grants', 'audit', 'rejected', 'resources', 'policies', 'profiles', 'proposals'].includes(screen);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="key" size={14} />
          </span>
          <span className="brand-name">JIT Access</span>
        </div>
        <nav aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.screen}>
                <a href={href(item.screen)} className={clsx('nav-link', navScreen === item.screen && 'active')} aria-current={navScreen === item.screen ? 'page' : undefined}>
                  <Icon name={item.icon} />
                  <span>{item.label}</span>
                  {item.screen === 'queue' && mineCount > 0 && !pendingLoading ? (
                    <span className="count" title={`${mineCount.toLocaleString()} yours to decide`}>
                      {mineCount.toLocaleString()}
                    </span>
                  ) : null}
                  {item.screen === 'tasks' ? <TasksBadge /> : null}
                  {item.screen === 'proposals' && waitingProposals > 0 ? (
                    <span className="count" title={`${waitingProposals} waiting for a second person`} data-testid="proposals-badge">
                      {waitingProposals.toLocaleString()}
                    </span>
                  ) : null}
                </a>
              </li>
            ))}
          </ul>
          <div className="nav-section">Your decisions</div>
          <ul>
            <li>
              <a href={href('rejected')} className={clsx('nav-link', screen === 'rejected' && 'active')} aria-current={screen === 'rejected' ? 'page' : undefined}>
                <Icon name="ban" />
                <span>Rejected</span>
                {rejections.length > 0 ? <span className="count count-danger">{rejections.length}</span> : null}
              </a>
            </li>
            <li>
              <a href={href('settings')} className={clsx('nav-link', screen === 'settings' && 'active')} aria-current={screen === 'settings' ? 'page' : undefined}>
                <Icon name="settings" />
                <span>Settings</span>
              </a>
            </li>
          </ul>
        </nav>
        <div className="sidebar-foot">
          <span className="muted">
            <Kbd>?</Kbd> shortcuts
          </span>
        </div>
      </aside>
      <header className="topbar">
        <label className="search">
          <Icon name="search" />
          <span className="visually-hidden">Search</span>
          <input
            ref={inputRef}
            type="search"
            placeholder={filters ? 'Filter this list · Shift+Enter searches everything' : 'Search requests, grants, people, resources…'}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && query.trim() && screen !== 'search' && (e.shiftKey || !filters)) {
                e.preventDefault();
                navigate('search', query.trim());
                return;
              }
              if (e.key === 'Escape' || (e.key === 'Enter' && screen !== 'search')) (e.target as HTMLInputElement).blur();
            }}
            data-testid="search"
          />
          <Kbd>/</Kbd>
        </label>
        <div className="topbar-right">
          {readOnly ? (
            <span className="pill tone-neutral" title="Your roles view the console; they send no decisions" data-testid="read-only">
              Read-only
            </span>
          ) : null}
          <SyncIndicator />
          <a className="user-chip" href={href('settings')} title={`Signed in as ${user.displayName}`} data-testid="signed-in-user">
            <Avatar name={user.displayName} size="sm" />
            <span>{user.displayName}</span>
          </a>
        </div>
      </header>
      <main id="main" className="content" tabIndex={-1} aria-busy={busy || undefined}>
        <WitnessBanner />
        {allowed ? (
          children
        ) : (
          <EmptyState title="Not available to your roles" icon="shield-off">
            This screen is not part of your console.
          </EmptyState>
        )}
      </main>
    </div>
  );
}
