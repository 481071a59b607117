/**
 * The policy form's auto-approval rules and access windows, without React: drafts people edit
 * (the threshold as text, each part of a window on its own), what they stand for in the policy, and
 * the fields a server refusal can land on. The checks themselves are core's (the AccessPolicy schema
 * and policyFieldProblems through rulesAndWindowsProblems), run by checkPolicyDraft.
 */
import { insideAny, isTimeZone, momentInWords, nextOpening, closesAt, WEEKDAYS, windowInWords, type AutoApprovalRule, type TimeWindow, type Weekday } from '../../../core/index.js';
import type { Problems } from './form-fields.js';

export type WindowDraft = { key: string; days: Weekday[]; start: string; end: string; timeZone: string };

export type RuleDraft = {
  key: string;
  name: string;
  useRisk: boolean;
  riskBelow: string;
  useWindow: boolean;
  window: WindowDraft;
  onCallGroupId: string | null;
  ticketOpen: boolean;
};

let keys = 0;
const nextKey = (prefix: string) => `${prefix}-${++keys}`;

/** The zone this console runs in, the likeliest one meant for a new window. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Every zone this host knows, for the zone field's suggestions. */
export function knownTimeZones(): string[] {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC'];
  }
}

export function windowDraft(window?: TimeWindow, zone: string = localTimeZone()): WindowDraft {
  return {
    key: nextKey('window'),
    days: [...(window?.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'])],
    start: window?.start ?? '08:00',
    end: window?.end ?? '18:00',
    timeZone: window?.timeZone ?? zone,
  };
}

export function ruleDraft(rule?: AutoApprovalRule): RuleDraft {
  return {
    key: nextKey('rule'),
    name: rule?.name ?? '',
    useRisk: rule ? rule.riskBelow !== null : true,
    riskBelow: String(rule?.riskBelow ?? 30),
    useWindow: Boolean(rule?.window),
    window: windowDraft(rule?.window ?? undefined),
    onCallGroupId: rule?.onCallGroupId ?? null,
    ticketOpen: rule?.ticketOpen ?? false,
  };
}

const windowOf = (w: WindowDraft): TimeWindow => ({ days: WEEKDAYS.filter((d) => w.days.includes(d)), start: w.start.trim(), end: w.end.trim(), timeZone: w.timeZone.trim() });

/** The rules as the policy holds them; a threshold that is not a whole number gets its problem here (the schema would say "expected number"). */
export function rulesOfDraft(rules: readonly RuleDraft[], problems: Problems): AutoApprovalRule[] {
  return rules.map((r, i) => {
    let riskBelow: number | null = null;
    if (r.useRisk) {
      const text = r.riskBelow.trim();
      riskBelow = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (Number.isNaN(riskBelow)) problems[`autoApprovalRules.${i}.riskBelow`] = 'a whole number from 1 to 100';
    }
    return { name: r.name.trim(), riskBelow, window: r.useWindow ? windowOf(r.window) : null, onCallGroupId: r.onCallGroupId, ticketOpen: r.ticketOpen };
  });
}

export const windowsOfDraft = (windows: readonly WindowDraft[]): TimeWindow[] => windows.map(windowOf);

const WINDOW_FIELDS = ['', '.days', '.start', '.end', '.timeZone'];

/** The fields the rules and windows show, so a refusal lands on one of them. */
export function rulesFormFields(draft: { rules: readonly RuleDraft[]; windows: readonly WindowDraft[] }): string[] {
  const rules = draft.rules.flatMap((_, i) => ['', '.name', '.riskBelow', '.onCallGroupId', '.ticketOpen', ...WINDOW_FIELDS.map((f) => `.window${f}`)].map((f) => `autoApprovalRules.${i}${f}`));
  const windows = draft.windows.flatMap((_, i) => WINDOW_FIELDS.map((f) => `accessWindows.${i}${f}`));
  return ['autoApprovalRules', 'accessWindows', ...rules, ...windows];
}

/** The draft's edits, each returning a new list. */
export const ruleList = {
  add: (rules: readonly RuleDraft[]): RuleDraft[] => [...rules, { ...ruleDraft(), name: `Rule ${rules.length + 1}` }],
  remove: (rules: readonly RuleDraft[], key: string): RuleDraft[] => rules.filter((r) => r.key !== key),
  update: (rules: readonly RuleDraft[], key: string, patch: Partial<Omit<RuleDraft, 'key'>>): RuleDraft[] => rules.map((r) => (r.key === key ? { ...r, ...patch } : r)),
};

export const windowList = {
  add: (windows: readonly WindowDraft[]): WindowDraft[] => [...windows, windowDraft(undefined, windows.at(-1)?.timeZone)],
  remove: (windows: readonly WindowDraft[], key: string): WindowDraft[] => windows.filter((w) => w.key !== key),
  update: (windows: readonly WindowDraft[], key: string, patch: Partial<Omit<WindowDraft, 'key'>>): WindowDraft[] => windows.map((w) => (w.key === key ? { ...w, ...patch } : w)),
};

/** "Mon-Fri 08:00-18:00 Europe/Paris · open now, until Fri 7 Mar 18:00" or "· next opens Mon 10 Mar 08:00", for a window the form can read; null otherwise. */
export function windowPreview(draft: WindowDraft, problems: readonly (string | undefined)[], now: number): string | null {
  if (problems.some(Boolean) || draft.days.length === 0 || !isTimeZone(draft.timeZone.trim())) return null;
  const window = windowOf(draft);
  if (insideAny([window], now)) {
    const end = closesAt([window], now);
    return `${windowInWords(window)} · open now${end ? `, until ${momentInWords(end, window.timeZone)}` : ''}`;
  }
  const next = nextOpening([window], now);
  return `${windowInWords(window)} · ${next ? `next opens ${momentInWords(next, window.timeZone)}` : 'does not open within nine days'}`;
}
