/**
 * Whether the console can reach its server, in one word, and what the console says about it: the
 * sync pill's wording, and which state a screen that reads the server over REST is in. A lost
 * network (the browser says it is offline) and a server that does not answer (refused, timed out,
 * 5xx) are told apart; in both, decisions are kept on this device and sent when it answers again.
 */
import type { ReplicationStatus } from '../db/index.js';

export type ConsoleStatus = ReplicationStatus & { browserOffline: boolean };

/**
 * online: the last exchange worked. connecting: nothing answered yet, nothing failed yet.
 * offline: the browser has no network. server-down: the network is up but the server does not
 * answer. problem: the server answered with a refusal replication cannot get past (e.g. 400).
 * upgrade: the server needs a newer console.
 */
export type Reach = 'online' | 'connecting' | 'offline' | 'server-down' | 'problem' | 'upgrade';

export function reachOf(status: ConsoleStatus): Reach {
  if (status.upgradeRequired) return 'upgrade';
  if (status.browserOffline) return 'offline';
  if (status.failure) return 'server-down';
  if (!status.online) return status.lastError ? 'server-down' : 'connecting';
  if (status.lastError) return 'problem';
  return 'online';
}

/** The server cannot be asked right now: the network is gone or the server is not answering. */
export function cannotAsk(reach: Reach): boolean {
  return reach === 'offline' || reach === 'server-down';
}

export type SyncPill = {
  tone: 'ok' | 'warn' | 'bad';
  /** What the pill shows. */
  label: string;
  /** The rest of the sentence: shown after the label when `showMore`, else read only by screen readers. */
  more: string;
  showMore: boolean;
  /** The tooltip: the sentence with the last error, when there is one. */
  detail: string;
  icon: 'cloud' | 'cloud-off';
};

const KEEP_DECIDING = 'decisions are kept and will be sent';

export function syncPill(status: ConsoleStatus): SyncPill {
  const reach = reachOf(status);
  const error = status.lastError && status.lastError !== 'unauthenticated' ? ` (${status.lastError})` : '';
  switch (reach) {
    case 'upgrade':
      return { tone: 'bad', label: 'Update required', more: ': syncing has stopped', showMore: false, detail: 'The server needs a newer version of the console. Syncing has stopped.', icon: 'cloud-off' };
    case 'offline':
      return {
        tone: 'warn',
        label: 'Offline',
        more: `: this device has no network; ${KEEP_DECIDING} when it returns`,
        showMore: false,
        detail: `This device has no network. You can keep deciding: ${KEEP_DECIDING} when the connection returns.`,
        icon: 'cloud-off',
      };
    case 'server-down':
      return {
        tone: 'warn',
        label: 'Server not answering',
        more: `: ${KEEP_DECIDING}`,
        // Rarer than a lost network and more alarming: the reassurance is shown, not only hovered.
        showMore: true,
        detail: `The network is up but the server does not answer${error}. You can keep deciding: ${KEEP_DECIDING} when it answers again.`,
        icon: 'cloud-off',
      };
    case 'connecting':
      return { tone: 'warn', label: 'Connecting…', more: '', showMore: false, detail: 'Reaching the server.', icon: 'cloud' };
    case 'problem':
      return { tone: 'warn', label: 'Sync problem', more: '', showMore: false, detail: status.lastError ?? '', icon: 'cloud' };
    case 'online':
      return { tone: 'ok', label: 'Online', more: '', showMore: false, detail: 'Connected; changes arrive as they happen.', icon: 'cloud' };
  }
}

/**
 * A screen that reads the server over REST (not the replica): 'ready' once it has an answer
 * (possibly an older one), 'needs-server' when it has none and cannot get one now (the console is
 * offline, the server is not answering, or the request failed for want of an answer), 'error'
 * when the server answered with a failure, else 'loading'.
 */
export type ServerViewState = 'loading' | 'ready' | 'needs-server' | 'error';

export function serverView(input: { hasData: boolean; error: unknown; reach: Reach }): ServerViewState {
  if (input.hasData) return 'ready';
  if (cannotAsk(input.reach)) return 'needs-server';
  if (input.error) return isNoAnswer(input.error) ? 'needs-server' : 'error';
  return 'loading';
}

/** A failure that is the server's silence: no answer at all (status 0) or a 5xx. */
export function isNoAnswer(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && (status === 0 || status >= 500);
}

/** Why a screen that needs the server cannot show it now, after "needs the server: ". */
export function needsServerReason(reach: Reach): string {
  return reach === 'offline' ? 'offline' : 'the server is not answering';
}

/** Commands wait on this device (nothing is sending them now): the network is gone, the server is silent, or nothing answered yet. */
export function commandsWait(status: ConsoleStatus): boolean {
  const reach = reachOf(status);
  return reach === 'offline' || reach === 'server-down' || reach === 'connecting';
}

/** When waiting commands go out, in words that match the pill: "when the connection returns" only for a lost network. */
export function sentWhen(status: ConsoleStatus): string {
  switch (reachOf(status)) {
    case 'offline':
      return 'when the connection returns';
    case 'server-down':
      return 'when the server answers again';
    default:
      return 'once the server is reached';
  }
}

/** The Settings page's connection line: the pill's words, whole. */
export function connectionInWords(status: ConsoleStatus): string {
  const pill = syncPill(status);
  return `${pill.label}${pill.more}`;
}
