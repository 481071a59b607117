/** Flows of the audit coverage test that move the clock by days: access reviews, deadlines and reminders, then a restart with the log archived. */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { ReviewCampaign } from '../../../core/index.js';
import { runItems } from '../../../sync-server/reviews/docs.js';
import { DEMO_ENTRA_GROUPS, DEMO_USERS } from '../../../sync-server/demo/directory.js';
import { dropGuards, withFile } from '../helpers/audit-tamper.js';
import { REPO_ROOT, startTestServer } from '../helpers/server.js';
import { ask, collect, command, DAY, ofType, runScheduler, serverOptions, trail, withoutStamps } from './trail.js';

const SCOPE = { type: 'resources', resourceIds: ['res-entra-global-reader', 'res-entra-security-readers'] };

export async function accessReviews(): Promise<void> {
  const { srv } = trail;
  const id = 'rc-trail';
  const carol = await srv.login('carol');
  const upsert = await command(carol, 'review.campaign_upsert', {
    campaign: {
      id,
      name: 'Trail review',
      scope: SCOPE,
      stages: [
        { name: 'Security', reviewer: { type: 'person', userId: 'u-mallory' }, fallback: { type: 'person', userId: 'u-eve' } },
        { name: 'Manager', reviewer: { type: 'person', userId: 'u-eve' }, fallback: { type: 'person', userId: 'u-mallory' } },
      ],
      schedule: { type: 'once' },
      durationDays: 14,
    },
  });
  expect(upsert.status, upsert.message).toBe('applied');
  const opened = await command(carol, 'review.open', { campaignId: id, reason: 'quarter end' });
  expect(opened.status, opened.message).toBe('applied');
  const campaign = srv.store.get('reviews', id) as ReviewCampaign;
  const item = runItems(srv.store, id, campaign.run).find((i) => i.reviewerIds.includes('u-mallory'));
  if (!item) throw new Error('the trail review has no item for Mallory');
  // Its resource must keep more members than it has: removing one of them is refused at close.
  const resource = srv.store.get('resources', item.subject.resourceId);
  if (!resource) throw new Error(`resource ${item.subject.resourceId} is gone`);
  const guarded = await command(srv.adminToken, 'resource.upsert', { resource: { ...withoutStamps(resource), keepAtLeast: 50 } });
  expect(guarded.status, guarded.message).toBe('applied');
  // Kept at the first stage, it goes to the second; removed there, the guard refuses it at close.
  const kept = await command(await srv.login('mallory'), 'review.decide', { campaignId: id, decisions: [{ itemId: item.id, decision: 'keep', reason: 'still needed' }] });
  expect(kept.status, kept.message).toBe('applied');
  const removed = await command(await srv.login('eve'), 'review.decide', { campaignId: id, decisions: [{ itemId: item.id, decision: 'remove', reason: 'no longer on the team' }] });
  expect(removed.status, removed.message).toBe('applied');
  const closed = await command(carol, 'review.close', { campaignId: id, reason: 'closed for the trail' });
  expect(closed.status, closed.message).toBe('applied');
  // One left undecided: reminded, then its default applies at the deadline (the clock jumps below).
  const late = await command(carol, 'review.campaign_upsert', {
    campaign: { id: 'rc-trail-late', name: 'Trail review left open', scope: SCOPE, stages: [{ name: 'Security', reviewer: { type: 'person', userId: 'u-mallory' }, fallback: { type: 'person', userId: 'u-eve' } }], schedule: { type: 'once' }, durationDays: 3, reminderEveryDays: 1, defaultDecision: 'remove' },
  });
  expect(late.status, late.message).toBe('applied');
  expect((await command(carol, 'review.open', { campaignId: 'rc-trail-late', reason: 'left open' })).status).toBe('applied');
  await runScheduler();
  collect();
  expect(ofType('review.stage_advanced').find((e) => e.subjectId === item.id)).toMatchObject({ actorId: 'u-mallory', data: { from: 1, to: 2 } });
  expect(ofType('review.removal_refused').find((e) => e.subjectId === item.id)).toMatchObject({ data: { resourceId: resource.id, keepAtLeast: 50 } });
}

export async function deadlinesAndReminders(): Promise<void> {
  const { srv, graph } = trail;
  // The log signed up to here: what comes before is archived after the restart below.
  srv.server.audit.checkpointer.checkpointNow();
  // Frank's ended grant put back by hand in the directory (after the reviews snapshotted): a re-check finds the drift.
  graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, DEMO_USERS.find((u) => u.username === 'frank')?.entraId as string);
  const dave = await srv.login('dave');
  const waiting = await ask(dave, { resourceId: 'res-entra-global-reader', durationMinutes: 60, justification: 'Read audit logs for INC-7004' });
  // A manual grant whose task nobody closes.
  const grace = await srv.login('grace');
  const eve = await srv.login('eve');
  const erp = await ask(grace, { resourceId: 'res-manual-erp-payments', durationMinutes: 60, justification: 'month end' });
  await command(eve, 'request.approve', { requestId: erp.id, reason: 'month end' });
  await runScheduler();
  for (let i = 0; i < 4; i++) {
    trail.clock += 2 * DAY;
    await runScheduler();
  }
  collect();
  expect(ofType('request.escalated').some((e) => e.subjectId === waiting.id) || ofType('request.expired').some((e) => e.subjectId === waiting.id)).toBe(true);
}

/** With the server stopped: the log before today archived (npm run audit:archive), and a guard dropped, which the start restores and raises. */
export async function archivedAndRestarted(): Promise<void> {
  collect();
  await trail.srv.close();
  const before = new Date(trail.clock).toISOString().slice(0, 10);
  const archive = spawnSync(process.execPath, ['--import', 'tsx', 'sync-server/audit/retention-cli.ts', trail.dataDir, '--before', before], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, JIT_AUDIT_KEY_FILE: '', JIT_SECRET_KEY_FILE: '' } });
  expect(archive.status, `${archive.stdout}${archive.stderr}`).toBe(0);
  withFile(trail.dataDir, dropGuards);
  trail.srv = await startTestServer(serverOptions());
  collect();
  expect(ofType('audit.archived')).toHaveLength(1);
  expect(ofType('audit.integrity_alert').length).toBeGreaterThan(0);
}
