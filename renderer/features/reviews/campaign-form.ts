/**
 * The campaign definition form without React: the draft people edit (numbers as typed, stages with
 * a key so React keeps their focus), the definition it stands for, checked with the schema and the
 * rules review.campaign_upsert applies (core CampaignDefinition, campaignProblems), the openings the
 * schedule books, and the server's refusal put on the field it names, in words.
 */
import {
  CampaignDefinition,
  campaignProblems,
  nextCampaignOpening,
  nextRecurrence,
  RECURRENCE_FREQUENCIES,
  type RecurrenceRule,
  type ReviewCampaign,
  type ReviewerRule,
  ReviewSchedule,
  timeZoneProblem,
  type Sensitivity,
  type Weekday,
} from '../../../core/index.js';
import { addProblems, schemaProblems, type Problems } from '../editor/form-fields.js';

export type ReviewerDraft = { type: ReviewerRule['type']; userId: string; groupId: string };
export type StageDraft = { key: string; name: string; reviewer: ReviewerDraft; fallback: ReviewerDraft };
export type Frequency = (typeof RECURRENCE_FREQUENCIES)[number];
export type WeekDraft = '1' | '2' | '3' | '4' | 'last';

export type CampaignDraft = {
  id: string;
  name: string;
  description: string;
  scopeType: 'resources' | 'sensitivity' | 'standing';
  /** The resources picked (scope resources) or the resources whose standing access is reviewed (none: every resource). */
  resourceIds: string[];
  sensitivities: Sensitivity[];
  standingMembers: boolean;
  jitGrants: boolean;
  eligibility: boolean;
  lookBackDays: string;
  stages: StageDraft[];
  scheduleType: 'once' | 'recurring';
  /** A datetime-local value in the viewer's zone; '' opens only when someone presses Open now. */
  opensAt: string;
  frequency: Frequency;
  week: WeekDraft;
  weekday: Weekday;
  time: string;
  timeZone: string;
  startMonth: string;
  durationDays: string;
  reminderEveryDays: string;
  defaultDecision: 'flag' | 'keep' | 'remove';
  enabled: boolean;
};

export const MAX_STAGES = 3;

let keys = 0;
const stageKey = () => `stage-${++keys}`;

function reviewerDraft(rule?: ReviewerRule): ReviewerDraft {
  return { type: rule?.type ?? 'resource_owner', userId: rule?.type === 'person' ? rule.userId : '', groupId: rule?.type === 'group' ? rule.groupId : '' };
}

export function stageDraft(name = 'Resource owner', reviewer?: ReviewerRule, fallback?: ReviewerRule): StageDraft {
  return { key: stageKey(), name, reviewer: reviewerDraft(reviewer), fallback: reviewerDraft(fallback ?? { type: 'manager' }) };
}

/** A datetime-local value ("2027-04-05T09:00") for an instant, on this device's clock. */
export function localInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A new campaign starts as the common case: a quarterly review of standing members and JIT grants by the resource owner, flagging what nobody decides. */
export function newCampaignDraft(timeZone: string): CampaignDraft {
  return {
    id: '',
    name: '',
    description: '',
    scopeType: 'resources',
    resourceIds: [],
    sensitivities: ['critical', 'high'],
    standingMembers: true,
    jitGrants: true,
    eligibility: false,
    lookBackDays: '90',
    stages: [stageDraft()],
    scheduleType: 'recurring',
    opensAt: '',
    frequency: 'quarterly',
    week: '1',
    weekday: 'mon',
    time: '09:00',
    timeZone,
    startMonth: '1',
    durationDays: '14',
    reminderEveryDays: '3',
    defaultDecision: 'flag',
    enabled: true,
  };
}

export function draftOfCampaign(c: ReviewCampaign, timeZone: string): CampaignDraft {
  const fresh = newCampaignDraft(timeZone);
  const rule = c.schedule.type === 'recurring' ? c.schedule.rule : null;
  return {
    ...fresh,
    id: c.id,
    name: c.name,
    description: c.description,
    scopeType: c.scope.type,
    resourceIds: c.scope.type === 'sensitivity' ? [] : [...c.scope.resourceIds],
    sensitivities: c.scope.type === 'sensitivity' ? [...c.scope.sensitivities] : fresh.sensitivities,
    ...c.reviewed,
    lookBackDays: String(c.lookBackDays),
    stages: c.stages.map((s) => stageDraft(s.name, s.reviewer, s.fallback)),
    scheduleType: c.schedule.type,
    opensAt: c.schedule.type === 'once' ? localInput(c.schedule.opensAt) : '',
    ...(rule ? { frequency: rule.frequency, week: String(rule.week) as WeekDraft, weekday: rule.weekday, time: rule.time, timeZone: rule.timeZone, startMonth: String(rule.startMonth) } : {}),
    durationDays: String(c.durationDays),
    reminderEveryDays: String(c.reminderEveryDays),
    defaultDecision: c.defaultDecision,
    enabled: c.enabled,
  };
}

function ruleOf(draft: ReviewerDraft): ReviewerRule {
  if (draft.type === 'person') return { type: 'person', userId: draft.userId };
  if (draft.type === 'group') return { type: 'group', groupId: draft.groupId };
  return { type: draft.type };
}

/** A whole number typed in a field, or NaN (said on the field as a sentence). */
function wholeNumber(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

function keptNumber(text: string, range: { min: number; max: number }, otherwise: number): number {
  const n = wholeNumber(text);
  return n >= range.min && n <= range.max ? n : otherwise;
}

/** The range each number field takes, from the schema itself, so the sentence says what the server enforces. */
const RANGES: Record<'lookBackDays' | 'durationDays' | 'reminderEveryDays', { min: number; max: number; words: string }> = {
  lookBackDays: { ...rangeOf('lookBackDays'), words: 'days' },
  durationDays: { ...rangeOf('durationDays'), words: 'days' },
  reminderEveryDays: { ...rangeOf('reminderEveryDays'), words: 'days (0: never)' },
};

function rangeOf(field: 'lookBackDays' | 'durationDays' | 'reminderEveryDays'): { min: number; max: number } {
  let schema = CampaignDefinition.shape[field] as unknown as { minValue?: number | null; maxValue?: number | null; unwrap?: () => unknown };
  if (schema.unwrap && schema.minValue === undefined) schema = schema.unwrap() as typeof schema;
  return { min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
}

/** The schedule the draft stands for; a date that does not read is said on its field. */
function scheduleOfDraft(draft: CampaignDraft, problems: Problems): ReviewSchedule {
  if (draft.scheduleType === 'once') {
    if (!draft.opensAt.trim()) return { type: 'once' };
    const at = new Date(draft.opensAt);
    if (!Number.isNaN(at.getTime())) return { type: 'once', opensAt: at.toISOString() };
    problems['schedule.opensAt'] = 'must be a date and time, or empty to open it by hand';
    return { type: 'once' };
  }
  const week = draft.week === 'last' ? ('last' as const) : (Number(draft.week) as 1 | 2 | 3 | 4);
  return { type: 'recurring', rule: { frequency: draft.frequency, week, weekday: draft.weekday, time: draft.time.trim(), timeZone: draft.timeZone.trim(), startMonth: Number(draft.startMonth) } };
}

/** The schedule alone when it holds (the summary's openings show while other fields are still wrong); null otherwise. */
export function validSchedule(draft: CampaignDraft): ReviewSchedule | null {
  const problems: Problems = {};
  const parsed = ReviewSchedule.safeParse(scheduleOfDraft(draft, problems));
  if (!parsed.success || Object.keys(problems).length > 0) return null;
  if (parsed.data.type === 'recurring' && timeZoneProblem(parsed.data.rule.timeZone)) return null;
  return parsed.data;
}

export type Known = { userIds: ReadonlySet<string>; groupIds: ReadonlySet<string> | null; resourceIds: ReadonlySet<string> };

export type CampaignCheck = { definition: CampaignDefinition | null; problems: Problems };

/**
 * The definition the draft stands for and every problem by field (the schema's paths: "durationDays",
 * "stages.0.reviewer.userId"). Null while any field has a problem: what the form sends is what the
 * server accepts for its shape. `known.groupIds` null: the groups are not on this device, the server checks them.
 */
export function checkCampaignDraft(draft: CampaignDraft, known: Known): CampaignCheck {
  const problems: Problems = {};
  const number = (field: keyof typeof RANGES, text: string) => {
    const n = wholeNumber(text);
    const { min, max, words } = RANGES[field];
    if (Number.isNaN(n) || n < min || n > max) problems[field] = `must be a whole number from ${min} to ${max} ${words}`;
    return Number.isNaN(n) ? min : n;
  };
  const scope =
    draft.scopeType === 'sensitivity'
      ? { type: 'sensitivity' as const, sensitivities: [...draft.sensitivities] }
      : { type: draft.scopeType, resourceIds: [...draft.resourceIds] };
  const standing = draft.scopeType === 'standing';
  const schedule = scheduleOfDraft(draft, problems);
  const candidate = {
    id: draft.id,
    name: draft.name.trim(),
    description: draft.description.trim(),
    scope,
    // Discovered standing access is reviewed as standing members only (the snapshot reads nothing else for it).
    reviewed: standing ? { standingMembers: true, jitGrants: false, eligibility: false } : { standingMembers: draft.standingMembers, jitGrants: draft.jitGrants, eligibility: draft.eligibility },
    // Shown (and checked) only when JIT grants are reviewed; otherwise the stored value is kept as it was.
    lookBackDays: !standing && draft.jitGrants ? number('lookBackDays', draft.lookBackDays) : keptNumber(draft.lookBackDays, RANGES.lookBackDays, 90),
    stages: draft.stages.map((s) => ({ name: s.name.trim(), reviewer: ruleOf(s.reviewer), fallback: ruleOf(s.fallback) })),
    schedule,
    durationDays: number('durationDays', draft.durationDays),
    reminderEveryDays: number('reminderEveryDays', draft.reminderEveryDays),
    defaultDecision: draft.defaultDecision,
    enabled: draft.enabled,
  };
  draft.stages.forEach((s, i) => {
    for (const which of ['reviewer', 'fallback'] as const) {
      const r = s[which];
      if (r.type === 'person' && !r.userId) problems[`stages.${i}.${which}.userId`] = 'pick the person who reviews';
      if (r.type === 'group' && !r.groupId) problems[`stages.${i}.${which}.groupId`] = 'pick the group whose members review';
    }
  });
  const parsed = CampaignDefinition.safeParse(candidate);
  schemaProblems(parsed, problems);
  if (parsed.success) {
    const groupIds = known.groupIds ?? new Set(parsed.data.stages.flatMap((s) => [s.reviewer, s.fallback]).flatMap((r) => (r.type === 'group' ? [r.groupId] : [])));
    addProblems(problems, campaignProblems(parsed.data, { ...known, groupIds }));
  }
  if (!parsed.success || Object.keys(problems).length > 0) return { definition: null, problems };
  return { definition: parsed.data, problems };
}

/** The stage edits, each returning a new draft. */
export const stages = {
  add(draft: CampaignDraft): CampaignDraft {
    if (draft.stages.length >= MAX_STAGES) return draft;
    const name = draft.stages.length === 1 ? 'Manager' : 'Security';
    return { ...draft, stages: [...draft.stages, stageDraft(name, draft.stages.length === 1 ? { type: 'manager' } : { type: 'person', userId: '' }, { type: 'resource_owner' })] };
  },
  remove(draft: CampaignDraft, key: string): CampaignDraft {
    return draft.stages.length <= 1 ? draft : { ...draft, stages: draft.stages.filter((s) => s.key !== key) };
  },
  update(draft: CampaignDraft, key: string, patch: Partial<Omit<StageDraft, 'key'>>): CampaignDraft {
    return { ...draft, stages: draft.stages.map((s) => (s.key === key ? { ...s, ...patch } : s)) };
  },
};

/**
 * The next openings the schedule books, as the server computes them (nextCampaignOpening at save,
 * then each run's opening books the next): up to `count`, from `now`.
 */
export function nextOpenings(schedule: ReviewSchedule, now: Date, runsSoFar: number, count = 3): string[] {
  const first = nextCampaignOpening(schedule, now, runsSoFar);
  if (!first) return [];
  const out = [first.toISOString()];
  if (schedule.type !== 'recurring') return out;
  let at = first;
  while (out.length < count) {
    at = nextRecurrence(schedule.rule as RecurrenceRule, at);
    out.push(at.toISOString());
  }
  return out;
}

const ORDINAL = ['first', 'second', 'third'];
const STAGE_PART: Record<string, string> = { name: 'name', reviewer: 'reviewer', fallback: 'fallback reviewer', userId: 'person', groupId: 'group' };
const TOP_LABEL: Record<string, string> = {
  id: 'Campaign id',
  name: 'Name',
  description: 'Description',
  scope: 'Scope',
  'scope.resourceIds': 'Resources',
  'scope.sensitivities': 'Sensitivities',
  reviewed: 'What is reviewed',
  lookBackDays: 'Grants ended within',
  stages: 'Stages',
  schedule: 'Schedule',
  'schedule.opensAt': 'Opens at',
  'schedule.rule': 'Recurrence',
  'schedule.rule.time': 'Time of day',
  'schedule.rule.timeZone': 'Time zone',
  'schedule.rule.startMonth': 'First month',
  durationDays: 'Open for',
  reminderEveryDays: 'Remind every',
  defaultDecision: 'No response by the deadline',
  enabled: 'Open on schedule',
};

/** A field path in the words of the form's labels: "stages.1.fallback.userId" -> "the second stage's fallback reviewer (person)". */
export function fieldLabel(path: string): string {
  const stage = /^stages\.(\d+)(?:\.(\w+))?(?:\.(\w+))?/.exec(path);
  if (stage) {
    const which = `the ${ORDINAL[Number(stage[1])] ?? `stage ${Number(stage[1]) + 1}`} stage`;
    if (!stage[2]) return `${which[0]!.toUpperCase()}${which.slice(1)}`;
    const part = STAGE_PART[stage[2]] ?? stage[2];
    return `${which[0]!.toUpperCase()}${which.slice(1)}'s ${part}${stage[3] ? ` (${STAGE_PART[stage[3]] ?? stage[3]})` : ''}`;
  }
  let p = path;
  while (p && !TOP_LABEL[p]) p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '';
  return TOP_LABEL[p] ?? 'The campaign';
}

/** The zod wording the server's shape check may answer with, in the form's words. */
function plainRule(message: string): string {
  const big = /^Too big: expected \w+ to (?:be|have) <=?(\d+)/.exec(message);
  if (big) return `must be at most ${big[1]}`;
  const small = /^Too small: expected \w+ to (?:be|have) >=?(\d+)/.exec(message);
  if (small) return `must be at least ${small[1]}`;
  return message;
}

/**
 * Where a server refusal of review.campaign_upsert belongs: on the field it names when the form
 * shows it (or its nearest shown parent), with the whole sentence said above the form.
 */
export function placeCampaignRefusal(message: string, shownFields: readonly string[]): { field: string; fieldMessage: string; sentence: string } {
  const match = /^payload\.campaign(?:\.([A-Za-z0-9_.]+))?: (.*)$/s.exec(message);
  if (!match) return { field: '', fieldMessage: message, sentence: message };
  const named = match[1] ?? '';
  const rule = plainRule(match[2] ?? '');
  let field = named;
  while (field !== '' && !shownFields.includes(field)) field = field.includes('.') ? field.slice(0, field.lastIndexOf('.')) : '';
  return { field, fieldMessage: rule, sentence: `${fieldLabel(named)}: ${rule}` };
}

/** The fields the form shows for this draft, so a refusal lands on one of them. */
export function campaignFormFields(draft: CampaignDraft): string[] {
  const top = ['name', 'description', 'scope', 'reviewed', 'stages', 'schedule', 'durationDays', 'reminderEveryDays', 'defaultDecision', 'enabled'];
  if (draft.scopeType === 'sensitivity') top.push('scope.sensitivities');
  else top.push('scope.resourceIds');
  if (draft.scopeType !== 'standing' && draft.jitGrants) top.push('lookBackDays');
  if (draft.scheduleType === 'once') top.push('schedule.opensAt');
  else top.push('schedule.rule', 'schedule.rule.time', 'schedule.rule.timeZone', 'schedule.rule.startMonth');
  const perStage = draft.stages.flatMap((s, i) => [`stages.${i}`, `stages.${i}.name`, `stages.${i}.reviewer`, `stages.${i}.fallback`, `stages.${i}.reviewer.userId`, `stages.${i}.reviewer.groupId`, `stages.${i}.fallback.userId`, `stages.${i}.fallback.groupId`]);
  return [...top, ...perStage];
}

/** The draft fields a problem's path is about, so a problem shows once its own field is edited. */
function draftKeysOf(path: string): (keyof CampaignDraft)[] {
  const top = path.split('.')[0] ?? '';
  if (top === 'scope') return ['scopeType', 'resourceIds', 'sensitivities'];
  if (top === 'reviewed') return ['scopeType', 'standingMembers', 'jitGrants', 'eligibility'];
  if (top === 'stages') return ['stages'];
  if (path === 'schedule.opensAt') return ['opensAt', 'scheduleType'];
  if (top === 'schedule') return ['scheduleType', 'frequency', 'week', 'weekday', 'time', 'timeZone', 'startMonth'];
  return [top as keyof CampaignDraft];
}

/** The problems to show: every one after a save was tried, else those of the fields edited since the form opened. */
export function shownProblems(problems: Problems, initial: CampaignDraft, draft: CampaignDraft, attempted: boolean): Problems {
  if (attempted) return problems;
  return Object.fromEntries(Object.entries(problems).filter(([path]) => draftKeysOf(path).some((k) => JSON.stringify(initial[k]) !== JSON.stringify(draft[k]))));
}
