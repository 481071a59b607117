import { describe, expect, it } from 'vitest';
import { mayRunDirectorySync, mayViewDirectorySync, reportSentence, syncState, type DirectorySyncSource } from './directory-sync-model.js';

const counts = { added: 12, changed: 3, disabled: 1, enabled: 0, removed: 0, skipped: 0, groupsAdded: 0, groupsChanged: 0 };
const idle: DirectorySyncSource = { connectorId: 'entra-demo', running: false, runId: null, pages: 0, lastRun: { id: 'dsr-1', startedAt: '2026-12-02T05:00:00.000Z', finishedAt: '2026-12-02T05:01:00.000Z', status: 'completed', counts }, lastError: null };

describe('the directory sync on a connector card', () => {
  it('puts the last change report in words', () => {
    expect(reportSentence(counts)).toBe('12 added, 3 changed, 1 disabled, 0 removed');
    expect(reportSentence({ ...counts, skipped: 1, groupsAdded: 2, groupsChanged: 1 })).toBe('12 added, 3 changed, 1 disabled, 0 removed, 1 object left as linked by hand; 2 groups added, 1 changed');
  });

  it('says whether a run is under way, stopped, never ran, or finished', () => {
    expect(syncState({ ...idle, running: true, pages: 4 }).label).toBe('Syncing people: 4 pages read so far');
    expect(syncState({ ...idle, lastError: 'throttled: wait 20 s' })).toEqual({ label: 'Last sync stopped: throttled: wait 20 s', tone: 'danger' });
    expect(syncState({ ...idle, lastRun: null }).tone).toBe('warning');
    expect(syncState(idle)).toEqual({ label: 'Last sync: 12 added, 3 changed, 1 disabled, 0 removed', tone: 'success' });
  });

  it('shows it to admins and auditors, and the Sync now button to admins only, as the server allows', () => {
    expect(mayViewDirectorySync(['auditor'])).toBe(true);
    expect(mayViewDirectorySync(['policy_admin'])).toBe(false);
    expect(mayRunDirectorySync(['auditor'])).toBe(false);
    expect(mayRunDirectorySync(['admin'])).toBe(true);
  });
});
