import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ThemePreference } from '../../preload/api.js';
import { PoliciesPage, ResourcesPage } from '../features/catalog/CatalogPages.js';
import { ProfilesPage } from '../features/catalog/ProfilesPage.js';
import { GrantsPage } from '../features/grants/GrantsPage.js';
import { MyAccessPage } from '../features/my-access/MyAccessPage.js';
import { ComingScreen } from '../features/placeholder/ComingScreens.js';
import { QueuePage } from '../features/queue/QueuePage.js';
import { isMine } from '../features/queue/queue-views.js';
import { RejectedPage } from '../features/rejected/RejectedPage.js';
import { describeRejection } from '../features/rejected/rejection-model.js';
import { useRejectionLookup } from '../features/rejected/use-rejection-lookup.js';
import { RequestAccessPage } from '../features/request-access/RequestAccessPage.js';
import { RequestsPage } from '../features/requests/RequestsPage.js';
import { SearchPage } from '../features/search/SearchPage.js';
import { TasksPage } from '../features/tasks/TasksPage.js';
import { SignInPage } from '../features/signin/SignInPage.js';
import { LoadProgressBar } from '../ui/load-progress.js';
import { ConsoleDataProvider, useConsoleData, useNewRejections } from '../session/console-data.js';
import { useSession, useSessionApi } from '../session/session.js';
import { useViewer } from '../session/viewer.js';
import { ToastProvider, useToasts } from '../ui/toasts.js';
import { EmptyState, sentence } from '../ui/ui.js';
import { Layout } from './Layout.js';
import { href, navigate, useRoute } from './router.js';
import { SearchProvider } from './search.js';
import { ShortcutsDialog } from './ShortcutsDialog.js';
import { useTheme } from './theme.js';

/**
 * Screens most people open now and then, loaded on demand: the console starts on the bundle of the
 * screens people land on (queue, my access, requests), and the rest, the PDF and chart code among
 * them, comes in chunks of its own. Once the console is open they are all fetched in the
 * background (preloadScreens), so a screen opened offline later has its code, whether or not the
 * offline worker has finished its precache.
 */
const screenLoaders: Array<() => Promise<unknown>> = [];
function onDemand<P extends object>(load: () => Promise<React.ComponentType<P>>) {
  screenLoaders.push(load);
  return lazy(() => load().then((component) => ({ default: component })));
}
function preloadScreens(): void {
  for (const load of screenLoaders) void load().catch(() => undefined);
}
const AuditPage = onDemand(() => import('../features/audit/AuditPage.js').then((m) => m.AuditPage));
const EvidencePage = onDemand(() => import('../features/evidence/EvidencePage.js').then((m) => m.EvidencePage));
const ConnectorsPage = onDemand(() => import('../features/connectors/ConnectorsPage.js').then((m) => m.ConnectorsPage));
const PolicyEditor = onDemand(() => import('../features/editor/PolicyEditor.js').then((m) => m.PolicyEditor));
const ProfileEditor = onDemand(() => import('../features/editor/ProfileEditor.js').then((m) => m.ProfileEditor));
const ResourceEditor = onDemand(() => import('../features/editor/ResourceEditor.js').then((m) => m.ResourceEditor));
const AccountsPage = onDemand(() => import('../features/accounts/AccountsPage.js').then((m) => m.AccountsPage));
const ReviewsPage = onDemand(() => import('../features/reviews/ReviewsPage.js').then((m) => m.ReviewsPage));
const RevocationsPage = onDemand(() => import('../features/revocations/RevocationsPage.js').then((m) => m.RevocationsPage));
const StandingAccessPage = onDemand(() => import('../features/standing-access/StandingAccessPage.js').then((m) => m.StandingAccessPage));
const ProposalsPage = onDemand(() => import('../features/proposals/ProposalsPage.js').then((m) => m.ProposalsPage));
const SettingsPage = onDemand(() => import('../features/settings/SettingsPage.js').then((m) => m.SettingsPage));

/** Host side effects of the queue: badge count, and an OS notification when new requests wait. */
function QueueSignals() {
  const { host } = useSessionApi();
  const { pending, pendingLoading } = useConsoleData();
  const known = useRef<Set<string> | null>(null);
  // Only what this person may decide counts: a request waiting on someone else is not theirs to be told about.
  const viewer = useViewer();
  const mine = useMemo(() => pending.filter((r) => isMine(r, viewer)), [pending, viewer]);
  useEffect(() => {
    void host.setBadgeCount(mine.length).catch(() => undefined);
    if (pendingLoading) return;
    const ids = new Set(mine.map((r) => r.id));
    if (known.current) {
      const fresh = [...ids].filter((id) => !known.current!.has(id)).length;
      if (fresh > 0) void host.notify(fresh === 1 ? 'New access request' : `${fresh} new access requests`, `${mine.length} waiting for your decision`).catch(() => undefined);
    }
    known.current = ids;
  }, [host, mine, pendingLoading]);
  useEffect(() => host.onFocusQueue(() => navigate('queue')), [host]);
  return null;
}

function RejectionToasts() {
  const toasts = useToasts();
  const { user } = useSession();
  const { rejections, commands } = useConsoleData();
  const lookup = useRejectionLookup(rejections, commands);
  useNewRejections((results) => {
    for (const r of results) {
      const view = describeRejection(r, commands.get(r.commandId), lookup, user.id);
      toasts.push({ tone: 'danger', title: view.title, body: `${view.why}: ${sentence(r.message)}`, action: { label: 'See rejected decisions', href: href('rejected') } });
    }
  });
  return null;
}

function Screens({ theme, onTheme }: { theme: ThemePreference; onTheme(t: ThemePreference): void }) {
  const route = useRoute();
  let screen: React.ReactNode;
  switch (route.screen) {
    case 'queue':
      screen = <QueuePage />;
      break;
    case 'my-access':
      screen = <MyAccessPage id={route.id} />;
      break;
    case 'request-access':
      screen = <RequestAccessPage id={route.id} />;
      break;
    case 'tasks':
      screen = <TasksPage />;
      break;
    case 'search':
      screen = <SearchPage initial={route.id} />;
      break;
    case 'requests':
      screen = <RequestsPage id={route.id} />;
      break;
    case 'grants':
      screen = <GrantsPage />;
      break;
    case 'audit':
      screen = <AuditPage id={route.id} />;
      break;
    case 'evidence':
      screen = <EvidencePage />;
      break;
    case 'resources':
      screen = route.id ? <ResourceEditor key={route.id} id={route.id === 'new' ? null : route.id} /> : <ResourcesPage />;
      break;
    case 'profiles':
      screen = route.id ? <ProfileEditor key={route.id} id={route.id === 'new' ? null : route.id} /> : <ProfilesPage />;
      break;
    case 'policies':
      // #/policies/new and #/policies/<id> open the editor (for those who may change policies; it says so otherwise).
      screen = route.id ? <PolicyEditor key={route.id} id={route.id === 'new' ? null : route.id} /> : <PoliciesPage />;
      break;
    case 'proposals':
      screen = <ProposalsPage id={route.id} />;
      break;
    case 'rejected':
      screen = <RejectedPage />;
      break;
    case 'revocations':
      screen = <RevocationsPage grantId={route.id} />;
      break;
    case 'connectors':
      screen = <ConnectorsPage />;
      break;
    case 'accounts':
      screen = <AccountsPage />;
      break;
    case 'reviews':
      screen = <ReviewsPage />;
      break;
    case 'standing-access':
      screen = <StandingAccessPage />;
      break;
    case 'settings':
      screen = <SettingsPage theme={theme} onTheme={onTheme} />;
      break;
    default:
      screen = <ComingScreen screen={route.screen} />;
  }
  return (
    <Layout screen={route.screen}>
      <div key={route.screen} className="screen">
        <Suspense fallback={<div className="boot" aria-busy="true" aria-label="Opening the screen" />}>{screen}</Suspense>
      </div>
    </Layout>
  );
}

export function App() {
  const { state, host } = useSessionApi();
  const [theme, setTheme] = useState<ThemePreference>('system');
  useTheme(theme);
  useEffect(() => {
    void host.getSettings().then((s) => setTheme(s.theme));
  }, [host]);
  const changeTheme = useCallback(
    (next: ThemePreference) => {
      setTheme(next);
      void host.setSettings({ theme: next });
    },
    [host],
  );

  const open = state.status === 'signed-in';
  useEffect(() => {
    if (!open) return;
    // After the first screen has drawn, while the person reads it.
    const timer = setTimeout(preloadScreens, 1_500);
    return () => clearTimeout(timer);
  }, [open]);

  if (state.status === 'loading') return <div className="boot" aria-busy="true" aria-label="Loading the console" />;
  if (state.status === 'reloading') {
    return <EmptyState title="Connecting to the new server…" icon="cloud">The console restarts with {state.serverUrl} allowed; sign in again when it opens.</EmptyState>;
  }
  if (state.status === 'signed-out') return <SignInPage notice={state.notice} />;
  if (state.status === 'opening') {
    return (
      <main className="boot opening" aria-busy="true">
        <div className="opening-panel">
          <p>Signed in as {state.displayName}.</p>
          <LoadProgressBar what="your data" progress={null} />
        </div>
      </main>
    );
  }
  return (
    <ConsoleDataProvider key={state.session.db.name}>
      <ToastProvider>
        <SearchProvider>
          <QueueSignals />
          <RejectionToasts />
          <ShortcutsDialog />
          <Screens theme={theme} onTheme={changeTheme} />
        </SearchProvider>
      </ToastProvider>
    </ConsoleDataProvider>
  );
}
