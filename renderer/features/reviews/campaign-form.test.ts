import { describe, expect, it } from 'vitest';
import { CampaignDefinition, type ReviewCampaign } from '../../../core/index.js';
import { campaignFormFields, checkCampaignDraft, draftOfCampaign, fieldLabel, newCampaignDraft, nextOpenings, placeCampaignRefusal, stages, type CampaignDraft } from './campaign-form.js';

const known = { userIds: new Set(['u-alice', 'u-carol']), groupIds: new Set(['g-sec']), resourceIds: new Set(['res-a', 'res-b']) };
const draft = (over: Partial<CampaignDraft> = {}): CampaignDraft => ({ ...newCampaignDraft('UTC'), id: 'rc-test', name: 'Quarterly admins', resourceIds: ['res-a'], ...over });

describe('the campaign form', () => {
  it('a new draft is a quarterly review by the resource owner that flags what nobody decides', () => {
    const { definition, problems } = checkCampaignDraft(draft(), known);
    expect(problems).toEqual({});
    expect(definition).toMatchObject({
      scope: { type: 'resources', resourceIds: ['res-a'] },
      reviewed: { standingMembers: true, jitGrants: true, eligibility: false },
      stages: [{ reviewer: { type: 'resource_owner' }, fallback: { type: 'manager' } }],
      schedule: { type: 'recurring', rule: { frequency: 'quarterly', week: 1, weekday: 'mon', time: '09:00', timeZone: 'UTC', startMonth: 1 } },
      durationDays: 14,
      defaultDecision: 'flag',
    });
    expect(CampaignDefinition.safeParse(definition).success).toBe(true);
  });

  it('says what is wrong on the field, in words, with the range the schema enforces', () => {
    const { definition, problems } = checkCampaignDraft(draft({ durationDays: '120', reminderEveryDays: 'often', name: ' ' }), known);
    expect(definition).toBeNull();
    expect(problems.durationDays).toBe('must be a whole number from 1 to 90 days');
    expect(problems.reminderEveryDays).toBe('must be a whole number from 0 to 30 days (0: never)');
    expect(problems.name).toBe('is required');
  });

  it('checks reviewers, the fallback rule, the time zone and the resources as the server does', () => {
    const bad = draft({ resourceIds: ['res-gone'], timeZone: 'Mars/Olympus' });
    bad.stages = [{ ...bad.stages[0]!, reviewer: { type: 'manager', userId: '', groupId: '' }, fallback: { type: 'manager', userId: '', groupId: '' } }];
    const { problems } = checkCampaignDraft(bad, known);
    expect(problems['scope.resourceIds.0']).toBe('resource res-gone does not exist');
    expect(problems['stages.0.fallback']).toMatch(/cannot be the manager again/);
    expect(problems['schedule.rule.timeZone']).toMatch(/not a known IANA time zone/);
    const unpicked = draft();
    unpicked.stages = [{ ...unpicked.stages[0]!, reviewer: { type: 'person', userId: '', groupId: '' } }];
    expect(checkCampaignDraft(unpicked, known).problems['stages.0.reviewer.userId']).toBe('pick the person who reviews');
  });

  it('reviews only standing members over discovered standing access, and needs something reviewed otherwise', () => {
    const standing = checkCampaignDraft(draft({ scopeType: 'standing', resourceIds: [], jitGrants: true, eligibility: true }), known);
    expect(standing.definition?.reviewed).toEqual({ standingMembers: true, jitGrants: false, eligibility: false });
    expect(checkCampaignDraft(draft({ standingMembers: false, jitGrants: false }), known).problems.reviewed).toMatch(/at least one/);
  });

  it('takes at most three stages and keeps one', () => {
    let d = draft();
    d = stages.add(stages.add(stages.add(d)));
    expect(d.stages).toHaveLength(3);
    for (const s of [...d.stages]) d = stages.remove(d, s.key);
    expect(d.stages).toHaveLength(1);
  });

  it('books the openings the server books: quarterly on the first Monday', () => {
    const { definition } = checkCampaignDraft(draft(), known);
    expect(nextOpenings(definition!.schedule, new Date('2027-03-20T10:00:00Z'), 0)).toEqual(['2027-04-05T09:00:00.000Z', '2027-07-05T09:00:00.000Z', '2027-10-04T09:00:00.000Z']);
    expect(nextOpenings({ type: 'once' }, new Date(), 0)).toEqual([]);
    expect(nextOpenings({ type: 'once', opensAt: '2027-04-01T09:00:00.000Z' }, new Date('2027-03-01T00:00:00Z'), 1)).toEqual([]);
  });

  it('puts a server refusal on the field it names, said as a sentence with the field in words', () => {
    const d = draft();
    const placed = placeCampaignRefusal('payload.campaign.stages.0.reviewer.userId: nobody has the id u-x', campaignFormFields(d));
    expect(placed).toEqual({ field: 'stages.0.reviewer.userId', fieldMessage: 'nobody has the id u-x', sentence: "The first stage's reviewer (person): nobody has the id u-x" });
    expect(placeCampaignRefusal('payload.campaign.durationDays: Too big: expected number to be <=90', campaignFormFields(d))).toMatchObject({ field: 'durationDays', sentence: 'Open for: must be at most 90' });
    expect(fieldLabel('schedule.rule.timeZone')).toBe('Time zone');
    expect(placeCampaignRefusal('campaign x belongs to Carol', []).field).toBe('');
  });

  it('edits a stored campaign as it is', () => {
    const stored = { ...checkCampaignDraft(draft(), known).definition!, kind: 'campaign', campaignId: 'rc-test', ownerId: 'u-carol', status: 'scheduled', run: 0 } as unknown as ReviewCampaign;
    const again = checkCampaignDraft(draftOfCampaign(stored, 'UTC'), known);
    expect(again.definition).toEqual(checkCampaignDraft(draft(), known).definition);
  });
});
