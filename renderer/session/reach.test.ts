import { describe, expect, it } from 'vitest';
import { commandsWait, connectionInWords, isNoAnswer, sentWhen, reachOf, serverView, syncPill, type ConsoleStatus } from './reach.js';

const status = (patch: Partial<ConsoleStatus>): ConsoleStatus => ({ online: true, pendingCommands: 0, browserOffline: false, ...patch });

describe('reachOf and the sync pill', () => {
  it('online: the last exchange worked', () => {
    expect(reachOf(status({}))).toBe('online');
    expect(syncPill(status({}))).toMatchObject({ tone: 'ok', label: 'Online', icon: 'cloud' });
  });

  it('a lost network says Offline, whatever the last error was', () => {
    const s = status({ browserOffline: true, online: false, failure: 'no-answer', lastError: 'cannot reach the server: Failed to fetch' });
    expect(reachOf(s)).toBe('offline');
    const pill = syncPill(s);
    expect(pill.label).toBe('Offline');
    expect(`${pill.label}${pill.more}`).toBe('Offline: this device has no network; decisions are kept and will be sent when it returns');
    expect(pill.icon).toBe('cloud-off');
  });

  it('a refused connection or a timeout with the network up says the server is not answering', () => {
    for (const lastError of ['cannot reach the server: Failed to fetch', 'live updates interrupted: This operation was aborted']) {
      const s = status({ online: false, failure: 'no-answer', lastError });
      expect(reachOf(s)).toBe('server-down');
      const pill = syncPill(s);
      expect(`${pill.label}${pill.more}`).toBe('Server not answering: decisions are kept and will be sent');
      expect(pill.showMore).toBe(true);
      expect(pill.tone).toBe('warn');
      expect(pill.detail).toContain(lastError);
    }
  });

  it('a 5xx (a proxy in front of a stopped server) is the server not answering too', () => {
    const s = status({ online: true, failure: 'server-error', lastError: 'the server answered 502' });
    expect(reachOf(s)).toBe('server-down');
    expect(syncPill(s).label).toBe('Server not answering');
  });

  it('a refusal the server answered is a sync problem, not an outage', () => {
    const s = status({ lastError: 'batchSize: must be at most 5000' });
    expect(reachOf(s)).toBe('problem');
    expect(syncPill(s)).toMatchObject({ label: 'Sync problem', detail: 'batchSize: must be at most 5000' });
  });

  it('before the first answer it is connecting, not offline', () => {
    expect(reachOf(status({ online: false }))).toBe('connecting');
    expect(syncPill(status({ online: false })).label).toBe('Connecting…');
  });

  it('an outdated console says so above everything else', () => {
    const s = status({ upgradeRequired: true, browserOffline: true, lastError: 'upgrade' });
    expect(reachOf(s)).toBe('upgrade');
    expect(syncPill(s)).toMatchObject({ tone: 'bad', label: 'Update required' });
  });

  it('never puts the session marker in the tooltip', () => {
    expect(syncPill(status({ online: false, failure: 'no-answer', lastError: 'unauthenticated' })).detail).not.toContain('unauthenticated');
  });
});

describe('serverView: a screen that reads the server over REST', () => {
  const network = Object.assign(new Error('Could not reach the server'), { status: 0 });
  const refused = Object.assign(new Error('forbidden'), { status: 403 });
  const failed = Object.assign(new Error('bad gateway'), { status: 502 });

  it('shows what it has, even an older answer, offline or not', () => {
    expect(serverView({ hasData: true, error: network, reach: 'offline' })).toBe('ready');
  });

  it('offline or with the server silent and nothing to show: needs the server, at once rather than after retries', () => {
    expect(serverView({ hasData: false, error: null, reach: 'offline' })).toBe('needs-server');
    expect(serverView({ hasData: false, error: null, reach: 'server-down' })).toBe('needs-server');
  });

  it('a request that got no answer, or a 5xx, needs the server; any other answer is an error to show', () => {
    expect(serverView({ hasData: false, error: network, reach: 'online' })).toBe('needs-server');
    expect(serverView({ hasData: false, error: failed, reach: 'online' })).toBe('needs-server');
    expect(serverView({ hasData: false, error: refused, reach: 'online' })).toBe('error');
    expect(serverView({ hasData: false, error: new Error('shape'), reach: 'online' })).toBe('error');
  });

  it('is loading only while a request can still be answered', () => {
    expect(serverView({ hasData: false, error: null, reach: 'online' })).toBe('loading');
    expect(serverView({ hasData: false, error: null, reach: 'connecting' })).toBe('loading');
  });

  it('isNoAnswer reads the status of ApiError and SyncHttpError alike', () => {
    expect(isNoAnswer({ status: 0 })).toBe(true);
    expect(isNoAnswer({ status: 503 })).toBe(true);
    expect(isNoAnswer({ status: 404 })).toBe(false);
    expect(isNoAnswer({ status: null })).toBe(false);
    expect(isNoAnswer(null)).toBe(false);
  });
});

describe('words for commands waiting on this device', () => {
  it('a silent server is not called a lost network, on Settings nor in what is said about waiting decisions', () => {
    const down = status({ online: false, lastError: 'fetch failed' });
    expect(commandsWait(down)).toBe(true);
    expect(sentWhen(down)).toBe('when the server answers again');
    expect(connectionInWords(down)).toMatch(/^Server not answering: decisions are kept/);
    const lost = status({ online: false, browserOffline: true });
    expect(sentWhen(lost)).toBe('when the connection returns');
    expect(connectionInWords(lost)).toMatch(/^Offline: this device has no network/);
    expect(commandsWait(status({}))).toBe(false);
    expect(connectionInWords(status({}))).toBe('Online');
    expect(commandsWait(status({ online: false }))).toBe(true);
    expect(sentWhen(status({ online: false }))).toBe('once the server is reached');
  });
});

