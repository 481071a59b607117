import { describe, expect, it } from 'vitest';
import type { SiemSinkStatus } from '../../../core/index.js';
import { fetchSiem, sinkState } from './siem-model.js';

const NOW = Date.parse('2026-12-02T10:00:00.000Z');
const sink = (over: Partial<SiemSinkStatus> = {}): SiemSinkStatus => ({
  id: 'https', kind: 'https', target: 'https://siem.example/ingest', ackedSeq: 1200, ackedAt: '2026-12-02T09:59:50.000Z', headSeq: 1200, lag: 0,
  lastError: null, lastErrorAt: null, retryAt: null, ...over,
});

describe('SIEM forwarding in words', () => {
  it('up to date names the last acknowledged event', () => {
    expect(sinkState(sink(), NOW)).toMatchObject({ label: 'Up to date', tone: 'success' });
    expect(sinkState(sink(), NOW).detail).toContain('event 1,200 acknowledged just now');
  });
  it('behind says how many events are still to send', () => {
    expect(sinkState(sink({ headSeq: 1300, lag: 100 }), NOW)).toMatchObject({ label: 'Sending', tone: 'warning', detail: expect.stringContaining('100 events still to send') });
  });
  it('failing gives the error, the next attempt, and that nothing is lost', () => {
    const state = sinkState(sink({ lag: 40, lastError: 'connect ECONNREFUSED 10.0.0.5:6514', lastErrorAt: '2026-12-02T09:55:00.000Z', retryAt: '2026-12-02T10:05:00.000Z', ackedAt: null, ackedSeq: 0 }), NOW);
    expect(state).toMatchObject({ label: 'Failing', tone: 'danger' });
    expect(state.detail).toContain('ECONNREFUSED');
    expect(state.detail).toContain('next attempt in 5 min');
    expect(state.detail).toContain('40 events waiting; nothing acknowledged yet');
  });
  it('an answer of the wrong shape is an error naming the view, not a blank card', async () => {
    const fake = (async () => new Response(JSON.stringify({ configured: 'yes' }), { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch;
    await expect(fetchSiem('http://srv', 't', fake)).rejects.toThrow(/SIEM forwarding state/);
  });
});
