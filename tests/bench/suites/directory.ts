/**
 * Directory sync benchmark: a full import of 100,000 people (10,000 with --quick) from the Graph
 * stand-in through `/users/delta` and `/groups/delta`, with the stand-in's read budget on (Graph's
 * 3,500 resource units per 10 s) and the connector's own read pacing, into a real SQLite store;
 * then the next round with 1 % of the people changed (department), read through the delta link.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectorRegistry } from '../../../sync-server/connectors/registry.js';
import { createDirectorySync } from '../../../sync-server/directory-sync/index.js';
import { openStore } from '../../../sync-server/store/sqlite-store.js';
import { standinEntraConnector } from '../../integration/helpers/entra.js';
import { startGraphStandin } from '../../standins/graph/index.js';
import type { BenchSuite } from '../types.js';

const DEPARTMENTS = ['Engineering', 'Finance', 'HR', 'Sales', 'Support', 'Security', 'IT Operations', 'Legal'];
const guid = (i: number): string => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

const suite: BenchSuite = {
  name: 'directory',
  async run(ctx) {
    const people = ctx.quick ? 10_000 : 100_000;
    const graph = await startGraphStandin({ seed: 5, throttling: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'jit-bench-directory-'));
    const store = openStore({ dataDir });
    const registry = new ConnectorRegistry();
    const connector = standinEntraConnector(graph, { id: 'entra-bench' });
    registry.register(connector);
    try {
      for (let i = 0; i < people; i++) {
        graph.addUser({ id: guid(i), displayName: `Person ${i}`, userPrincipalName: `p${i}@contoso.test`, department: DEPARTMENTS[i % 8] as string, jobTitle: 'Engineer', ...(i >= 10 ? { managerId: guid(Math.floor(i / 10)) } : {}) });
      }
      const everyone = graph.addGroup({ displayName: 'Everyone' });
      for (let i = 0; i < Math.min(people, 5000); i++) graph.addMember(everyone.id, guid(i));
      ctx.log(`${people} people in the stand-in; read budget ${graph.getBudgets().resourceUnitsPer10s} resource units per 10 s`);
      const sync = createDirectorySync({ store, registry, now: () => new Date(), config: { intervalMs: 0, sources: [{ connectorId: 'entra-bench' }] } });

      let started = performance.now();
      const full = await sync.runNow('entra-bench');
      const fullSeconds = (performance.now() - started) / 1000;
      if (!full.ok) throw new Error(`full import failed: ${full.code}: ${full.message}`);
      ctx.log(`full import: ${full.report.counts.added} added in ${full.report.pages} pages, ${fullSeconds.toFixed(1)} s; ${graph.counters.throttled} throttled answers`);
      // Figures keep the names; with --quick they are for 10,000 people.
      ctx.report('sync_100k_users_seconds', fullSeconds, 's', null, 'lower');

      for (let i = 0; i < people / 100; i++) graph.updateUser(guid(i * 97 + 3), { department: 'Moved' });
      started = performance.now();
      const delta = await sync.runNow('entra-bench');
      const deltaSeconds = (performance.now() - started) / 1000;
      if (!delta.ok) throw new Error(`delta failed: ${delta.code}: ${delta.message}`);
      ctx.log(`delta: ${delta.report.counts.changed} changed in ${delta.report.pages} pages, ${deltaSeconds.toFixed(2)} s`);
      ctx.report('delta_1pct_seconds', deltaSeconds, 's', null, 'lower');
    } finally {
      connector.graph.close();
      store.close();
      await graph.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default suite;
