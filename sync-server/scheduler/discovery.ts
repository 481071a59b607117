/**
 * Standing-access discovery as durable scheduler work: one run per connector, booked every
 * `discoveryEveryMs` (0: only when an admin asks) and on demand, claimed with a lease (a run a crash
 * interrupted is taken over), retried with backoff when the directory fails. A run lists who holds
 * each of the connector's resources (`listAssignments`: Entra group members, role and PIM
 * instances with paging; AD members in ranges, nested groups expanded), reads the holders' account
 * state and last sign-in where the connector can (`describePrincipals`), and replaces the
 * resource's holdings in one transaction. Its reads go through the connector, so they are paced by
 * its read budget like verification's; resources are read one after another, never in parallel.
 */
import { classifyStandingAccess, HOLDER_CLASSES, principalKey } from '../../core/engine/standing-access.js';
import type { Assignment, PrincipalReport, Resource } from '../../core/index.js';
import { StandingAccessTables, STANDING_ACCESS_MIGRATIONS, type RunSummary } from '../standing-access/store.js';
import type { SchedulerContext } from './context.js';

export type DiscoverySettings = {
  /** Each connector's holders are read again this long after its last run; 0: only on demand. */
  everyMs: number;
  leaseMs: number;
  retryBaseMs: number;
  retryCapMs: number;
};

export type DiscoverySummary = { runs: number; resources: number; holders: number; failed: number };

const DISCOVERABLE: readonly Resource['connector'][] = ['entra', 'ad'];
/** "Not scheduled": far enough that no clock reaches it, small enough for SQLite's integers. */
export const NEVER = 8.64e15;

/** The connectors that serve live resources in a directory discovery can read. */
function discoverableConnectors(ctx: SchedulerContext): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const resource of ctx.store.list('resources')) {
    if (resource.archived || !DISCOVERABLE.includes(resource.connector)) continue;
    const list = out.get(resource.connectorId);
    if (list) list.push(resource);
    else out.set(resource.connectorId, [resource]);
  }
  return out;
}

export class Discovery {
  readonly tables: StandingAccessTables;

  constructor(
    private readonly ctx: SchedulerContext,
    readonly settings: DiscoverySettings,
  ) {
    ctx.store.applyMigrations(STANDING_ACCESS_MIGRATIONS);
    this.tables = new StandingAccessTables(ctx.store.db);
    ctx.store.tx(() => this.tables.recoverInterrupted());
  }

  /** A connector seen for the first time gets its first scheduled run now. */
  private bookScheduled(connectorIds: Iterable<string>, nowMs: number): void {
    if (this.settings.everyMs <= 0) return;
    this.ctx.store.tx(() => {
      for (const id of connectorIds) if (!this.tables.run(id)) this.tables.book(id, nowMs, nowMs);
    });
  }

  nextDueAt(): number | null {
    const next = this.tables.nextDueAt();
    return next === null || next >= NEVER ? null : next;
  }

  /** Runs every due run, one connector after another. */
  async pass(): Promise<DiscoverySummary> {
    const nowMs = this.ctx.nowMs();
    const connectors = discoverableConnectors(this.ctx);
    this.bookScheduled(connectors.keys(), nowMs);
    const summary: DiscoverySummary = { runs: 0, resources: 0, holders: 0, failed: 0 };
    for (const run of this.tables.due(nowMs)) {
      if (!this.ctx.store.tx(() => this.tables.claim(run.connectorId, this.ctx.nowMs(), this.settings.leaseMs))) continue;
      summary.runs++;
      const result = await this.runOne(run.connectorId, connectors.get(run.connectorId) ?? [], run.attempts + 1);
      summary.resources += result.resources ?? 0;
      summary.holders += result.holders ?? 0;
      summary.failed += result.failedResources?.length ?? 0;
    }
    return summary;
  }

  private async runOne(connectorId: string, resources: Resource[], attempt: number): Promise<RunSummary> {
    const connector = this.ctx.registry.get(connectorId);
    const startedAt = this.ctx.nowMs();
    // No directory to read (none configured, or a manual stand-in for one): what was found before stays.
    const cannot = !connector ? `no connector is configured with id ${connectorId}` : !DISCOVERABLE.includes(connector.kind) ? `connector ${connectorId} is a ${connector.kind} connector: it cannot say who holds its resources` : null;
    if (!connector || cannot) {
      const summary: RunSummary = { resources: 0, holders: 0, failedResources: [] };
      this.ctx.store.tx(() => {
        this.tables.finish(connectorId, startedAt, { state: 'failed', nextDueAt: this.nextScheduled(startedAt), lastError: cannot ?? '', summary, attempts: attempt });
      });
      return summary;
    }
    const listed = new Map<string, Assignment[]>();
    const failedResources: { resourceId: string; error: string }[] = [];
    for (const resource of resources) {
      try {
        listed.set(resource.id, await connector.listAssignments({ id: resource.id, kind: resource.kind, connector: resource.connector, connectorId: resource.connectorId, target: resource.target, name: resource.name }));
      } catch (error) {
        failedResources.push({ resourceId: resource.id, error: (error instanceof Error ? error.message : String(error)).slice(0, 512) });
      }
    }
    let report: PrincipalReport = { signInReadable: false, signInNote: `the ${connector.kind} connector does not read sign-ins`, principals: new Map() };
    try {
      if (connector.describePrincipals) report = await connector.describePrincipals([...new Set([...listed.values()].flat().map((a) => a.principalId))]);
    } catch (error) {
      // Holders are still worth recording; their account facts are not known this time.
      report = { signInReadable: false, signInNote: `reading the accounts failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 512), principals: new Map() };
    }
    const finishedMs = this.ctx.nowMs();
    if (listed.size === 0 && failedResources.length > 0) {
      // Nothing could be read: try again with backoff, keeping what the last good run found.
      const delay = Math.min(this.settings.retryCapMs, this.settings.retryBaseMs * 2 ** Math.max(0, attempt - 1));
      this.ctx.store.tx(() => this.tables.retry(connectorId, finishedMs, finishedMs + delay, failedResources.map((f) => `${f.resourceId}: ${f.error}`).join('; ')));
      return { resources: 0, holders: 0, failedResources };
    }
    const seenAt = new Date(finishedMs).toISOString();
    const holders = [...listed.values()].reduce((n, list) => n + list.length, 0);
    const summary: RunSummary = { resources: listed.size, holders, failedResources, signInReadable: report.signInReadable, ...(report.signInNote ? { signInNote: report.signInNote } : {}) };
    this.ctx.store.tx(() => {
      for (const resource of resources) {
        const assignments = listed.get(resource.id);
        if (!assignments) continue;
        const seen = new Map<string, Parameters<StandingAccessTables['replaceHoldings']>[2][number]>();
        for (const a of assignments) {
          const key = principalKey(resource.connector, a.principalId);
          const facts = report.principals.get(a.principalId);
          // AD's listing expands nested groups into their members: the group itself holds nothing of its own.
          if (facts?.isGroup && connector.kind === 'ad') continue;
          seen.set(key, { principalKey: key, principalId: a.principalId, detail: a.detail ?? '', directoryEnabled: facts?.enabled ?? null, lastSignInAt: facts?.lastSignInAt ?? null, signInReadable: report.signInReadable && facts !== undefined });
        }
        this.tables.replaceHoldings(resource.id, connectorId, [...seen.values()], seenAt);
      }
      this.tables.keepOnlyResources(connectorId, resources.map((r) => r.id));
      this.tables.finish(connectorId, finishedMs, { state: 'done', nextDueAt: this.nextScheduled(finishedMs), summary, attempts: 0 });
      // The finding in the audit log: how many of each class this run left, as the rule reads them now.
      const classified = classifyStandingAccess(
        resources.flatMap((r) => this.tables.holdings(r.id)),
        { resources, users: this.ctx.store.list('users'), grants: resources.flatMap((r) => this.ctx.store.list('grants', { where: { resourceId: r.id } })) },
        { now: new Date(finishedMs) },
      );
      const counts = Object.fromEntries(HOLDER_CLASSES.map((c) => [c, classified.reduce((n, e) => n + e.counts[c], 0)]));
      this.ctx.audit('standing.discovered', 'connector', connectorId, { ...summary, ...counts, stale: classified.reduce((n, e) => n + e.counts.stale, 0), startedAt: new Date(startedAt).toISOString() }, new Date(finishedMs));
    });
    return summary;
  }

  private nextScheduled(fromMs: number): number {
    return this.settings.everyMs > 0 ? fromMs + this.settings.everyMs : NEVER;
  }
}
