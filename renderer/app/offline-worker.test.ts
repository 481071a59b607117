import { describe, expect, it } from 'vitest';
import { offlineWorkerWanted, type WorkerEnvironment } from './offline-worker.js';

const web: WorkerEnvironment = { hostKind: 'browser', protocol: 'https:', serviceWorkers: true, production: true };

describe('offlineWorkerWanted', () => {
  it('the built web console served over http(s) registers the worker', () => {
    expect(offlineWorkerWanted(web)).toBe(true);
    expect(offlineWorkerWanted({ ...web, protocol: 'http:' })).toBe(true);
  });

  it('the desktop app never does, whatever its page says', () => {
    expect(offlineWorkerWanted({ ...web, hostKind: 'electron' })).toBe(false);
    expect(offlineWorkerWanted({ ...web, hostKind: 'electron', protocol: 'app:' })).toBe(false);
  });

  it('nor a page opened from a file, a browser without service workers, or the dev server', () => {
    expect(offlineWorkerWanted({ ...web, protocol: 'file:' })).toBe(false);
    expect(offlineWorkerWanted({ ...web, serviceWorkers: false })).toBe(false);
    expect(offlineWorkerWanted({ ...web, production: false })).toBe(false);
  });
});
