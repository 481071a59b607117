/**
 * Every type in the closed list of audit events (core/audit/events.ts) is produced by some flow:
 * real flows through the real server (SQLite file, HTTP on 127.0.0.1, the scheduler and the
 * directory sync with the Graph stand-in, the manual connector), then one check per type of the
 * list itself, so a type added there and emitted nowhere fails here. Flows run in order on one
 * server and one injected clock (tests/integration/audit-coverage/); the long jumps of the clock
 * (deadlines, reminders, expiry) come last, then a restart with the log archived.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEventType } from '../../core/audit/events.js';
import { seedEntraTenant } from '../../sync-server/demo/graph-tenant.js';
import { startGraphStandin } from '../standins/graph/index.js';
import { configuration, exportsRecorded, grants, maximumLowered, requests, revocationThatDoesNotTakeHold } from './audit-coverage/access-flows.js';
import { accountsAndSignIn, directorySync, peopleAndStandingAccess, secrets, twoStepVerification } from './audit-coverage/people-flows.js';
import { accessReviews, archivedAndRestarted, deadlinesAndReminders } from './audit-coverage/review-flows.js';
import { ofType, serverOptions, trail } from './audit-coverage/trail.js';
import { startTestServer } from './helpers/server.js';

beforeAll(async () => {
  trail.graph = await startGraphStandin({ seed: 11 });
  seedEntraTenant(trail.graph);
  trail.srv = await startTestServer(serverOptions());
}, 60_000);
afterAll(async () => {
  await trail.srv?.close();
  await trail.graph?.close();
  rmSync(trail.dataDir, { recursive: true, force: true });
});

describe('flows that produce the audit trail', () => {
  it('sign-in, failed sign-in, sign-out, accounts and their roles', accountsAndSignIn);
  it('two-step verification: enrolment, step-up, a wrong code, removal', twoStepVerification);
  it('requests: eligibility checked or refused with the reason, approvals, denial, break-glass, cancel, rejected commands', requests);
  it('grants: provisioned and verified, extended, revoked and verified gone; a manual grant is a task, closed by its owner', grants);
  it('a revocation the directory reads back as still there: not verified, retried, failed, escalated', revocationThatDoesNotTakeHold);
  it('configuration: a widening change is a proposal, applied, rejected or withdrawn; other changes apply at once', configuration);
  it('a lowered maximum, and the live grant past it shortened', maximumLowered);
  it('exports made on consoles, recorded when they sync', exportsRecorded);
  it('people: a directory link set and removed by hand, standing access discovered and converted, a person offboarded to a fallback', peopleAndStandingAccess);
  it('directory sync runs, one seeing a person disabled in the directory', directorySync);
  it('secrets and a connector configuration set and removed as the CLIs do, and a stale signed webhook call refused', secrets);
  it('access reviews: two stages, a removal the lockout guard refuses at close; one left open to its deadline', accessReviews);
  it('deadlines and reminders: a step undecided escalates, then the request expires; an open task is reminded', deadlinesAndReminders);
  it('the log archived while the server is stopped; a guard removed then is restored at start and raised as an integrity alert', archivedAndRestarted, 60_000);
});

describe('every type in the closed list is produced by some flow', () => {
  for (const type of AuditEventType.options) {
    it(type, () => {
      expect(ofType(type).length, `no flow produced ${type}`).toBeGreaterThan(0);
    });
  }
});
