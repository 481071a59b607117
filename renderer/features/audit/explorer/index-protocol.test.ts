import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../../core/index.js';
import { AuditIndex } from './audit-index.js';
import { IndexClient, inThread } from './index-client.js';
import { serveIndex, SLICE, type FromIndex } from './index-protocol.js';
import { personId, syntheticEvents } from './synthetic-events.js';

const log = [...syntheticEvents({ events: 6_000, people: 30, resources: 10, seed: 3 })].map((l) => l.event);

/** A server whose slices run only when the test says so, and whose messages are kept. */
function steppedServer() {
  const sent: FromIndex[] = [];
  const slices: Array<() => void> = [];
  const server = serveIndex((message) => sent.push(message), (run) => slices.push(run));
  const step = () => slices.shift()?.();
  return { server, sent, step, slices };
}

describe('explorer index worker protocol', () => {
  it('indexes appends in slices and answers a query between them over what is indexed so far', () => {
    const { server, sent, step } = steppedServer();
    server.receive({ kind: 'append', events: log.slice(0, 4_000) });
    step();
    expect(server.index.size).toBe(SLICE);
    server.receive({ kind: 'query', id: 1, filter: {} });
    const answer = sent.find((m) => m.kind === 'answer');
    expect(answer?.kind === 'answer' && [answer.seqs.length, answer.indexed]).toEqual([SLICE, SLICE]);
    while (server.index.size < 4_000) step();
    const last = sent.filter((m) => m.kind === 'progress').at(-1);
    expect(last).toEqual({ kind: 'progress', indexed: 4_000, lastSeq: log[3_999]!.seq, queued: 0, received: 4_000 });
  });

  it('indexes an event sent twice once (a sealed block after its events came one by one)', () => {
    const { server, step, slices } = steppedServer();
    server.receive({ kind: 'append', events: log.slice(0, 1_500) });
    server.receive({ kind: 'append', events: log.slice(1_000, 2_000) });
    while (slices.length) step();
    expect(server.index.size).toBe(2_000);
  });

  it('answers the same as the index itself, through the client, with rows a page at a time', async () => {
    const client = new IndexClient(inThread());
    client.append(log.slice(0, 3_000));
    client.append(log.slice(3_000));
    await client.whenBacklogBelow(0);
    expect(client.progress.indexed).toBe(log.length);
    const direct = new AuditIndex();
    direct.append(log);
    const names: Array<[string, string]> = [[personId(4), 'Marta Example4']];
    client.setNames(names, []);
    for (const filter of [{ people: [personId(4)] }, { types: ['grant.revoked'] }, { text: 'marta' }, {}]) {
      const remote = await client.query(filter);
      const expected = direct.query(filter, { personName: (id) => new Map(names).get(id) });
      expect(remote.total).toBe(expected.total);
      expect(Array.from({ length: remote.total }, (_, i) => remote.seqAt(i, 'oldest'))).toEqual(expected.page(0, expected.total, 'oldest').map((e) => e.seq));
      expect(remote.countsByType).toEqual(expected.countsByType());
      if (expected.total === 0) continue;
      expect(remote.at(0)).toBeNull();
      const arrived = new Promise<void>((resolve) => remote.subscribe(resolve));
      remote.load(0, 5);
      await arrived;
      expect(remote.at(0)).toEqual(expected.at(0));
      expect(await remote.get(expected.total - 1)).toEqual(expected.at(expected.total - 1));
      expect(remote.positionOf(expected.at(3, 'newest').seq)).toBe(expected.total > 3 ? 3 : -1);
    }
    client.dispose();
  });

  it('says a failed query in words and goes on', async () => {
    const client = new IndexClient(inThread());
    await expect(client.query({ text: 'x', people: null as unknown as string[] })).resolves.toBeDefined();
    const bad = { text: 5 } as unknown as { text: string };
    await expect(client.query(bad)).rejects.toThrow();
    client.append(log.slice(0, 10) as AuditEvent[]);
    await client.whenBacklogBelow(0);
    expect((await client.query({})).total).toBe(10);
    client.dispose();
  });
});
