/** The shape checks of a campaign definition beyond its schema, each naming its field: review.campaign_upsert refuses with the first. */
import type { CampaignDefinition } from '../schema/review.js';
import { timeZoneProblem } from './time-window.js';

export type CampaignProblem = { field: string; message: string };

export function campaignProblems(def: CampaignDefinition, known: { userIds: ReadonlySet<string>; groupIds: ReadonlySet<string>; resourceIds: ReadonlySet<string> }): CampaignProblem[] {
  const out: CampaignProblem[] = [];
  if (!def.reviewed.standingMembers && !def.reviewed.jitGrants && !def.reviewed.eligibility && def.scope.type !== 'standing') {
    out.push({ field: 'reviewed', message: 'review at least one of standing members, JIT grants or eligibility' });
  }
  if (def.scope.type !== 'sensitivity') {
    def.scope.resourceIds.forEach((id, i) => {
      if (!known.resourceIds.has(id)) out.push({ field: `scope.resourceIds.${i}`, message: `resource ${id} does not exist` });
    });
  }
  def.stages.forEach((stage, i) => {
    for (const [which, rule] of [['reviewer', stage.reviewer], ['fallback', stage.fallback]] as const) {
      if (rule.type === 'person' && !known.userIds.has(rule.userId)) out.push({ field: `stages.${i}.${which}.userId`, message: `nobody has the id ${rule.userId}` });
      if (rule.type === 'group' && !known.groupIds.has(rule.groupId)) out.push({ field: `stages.${i}.${which}.groupId`, message: `no directory group has the id ${rule.groupId}` });
    }
    // A fallback that depends on the person reviewed fails exactly when the first rule does.
    if (stage.fallback.type === 'manager' && stage.reviewer.type === 'manager') out.push({ field: `stages.${i}.fallback`, message: "the fallback cannot be the manager again: name a person, a group or the resource owner" });
  });
  if (def.schedule.type === 'recurring') {
    const zone = timeZoneProblem(def.schedule.rule.timeZone);
    if (zone) out.push({ field: 'schedule.rule.timeZone', message: zone });
  }
  return out;
}
