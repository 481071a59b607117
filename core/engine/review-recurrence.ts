/**
 * A campaign's recurrence, one rule: "quarterly, on the first Monday at 09:00 Europe/Paris" is the
 * nth (or last) weekday of the first month of each period, on the zone's wall clock. Periods start
 * in `startMonth` and every 1, 3, 6 or 12 months after it.
 */
import type { RecurrenceRule, ReviewSchedule } from '../schema/review.js';
import { WEEKDAYS } from '../schema/time-window.js';
import { instantsAt, minutesOfTime, wallClock } from './time-window.js';

const STEP: Record<RecurrenceRule['frequency'], number> = { monthly: 1, quarterly: 3, half_yearly: 6, yearly: 12 };

/** The day of the month of the rule's weekday in that month (month 1-12). */
function dayInMonth(rule: RecurrenceRule, year: number, month: number): number {
  const target = WEEKDAYS.indexOf(rule.weekday);
  const weekdayOf = (day: number) => (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  if (rule.week === 'last') {
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return last - ((weekdayOf(last) - target + 7) % 7);
  }
  return 1 + ((target - weekdayOf(1) + 7) % 7) + (rule.week - 1) * 7;
}

/** The first opening strictly after `after`. */
export function nextRecurrence(rule: RecurrenceRule, after: Date): Date {
  const step = STEP[rule.frequency];
  const start = wallClock(after.getTime(), rule.timeZone);
  let year = start.year;
  let month = start.month;
  for (let i = 0; i < 30; i++) {
    if ((((month - rule.startMonth) % step) + step) % step === 0) {
      const day = dayInMonth(rule, year, month);
      // In a DST gap the hour does not exist that day: the first minute after it does.
      let minute = minutesOfTime(rule.time);
      let instants = instantsAt(year, month, day, minute, rule.timeZone);
      while (instants.length === 0 && minute < 24 * 60 - 1) instants = instantsAt(year, month, day, ++minute, rule.timeZone);
      const at = instants[0];
      if (at !== undefined && at > after.getTime()) return new Date(at);
    }
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  throw new Error('no recurrence within 30 months');
}

/** When the schedule opens a run next, after `after` (a run just opened, or the definition saved); null: nothing more. */
export function nextCampaignOpening(schedule: ReviewSchedule, after: Date, runsSoFar: number): Date | null {
  if (schedule.type === 'recurring') return nextRecurrence(schedule.rule, after);
  if (runsSoFar > 0 || !schedule.opensAt) return null;
  return new Date(schedule.opensAt);
}

const ORDINAL = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', last: 'last' } as const;
const DAY_NAMES = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' } as const;
const FREQUENCY_WORDS = { monthly: 'Monthly', quarterly: 'Quarterly', half_yearly: 'Every six months', yearly: 'Yearly' } as const;

/** "Quarterly, on the first Monday at 09:00 (Europe/Paris)". */
export function recurrenceInWords(rule: RecurrenceRule): string {
  return `${FREQUENCY_WORDS[rule.frequency]}, on the ${ORDINAL[rule.week]} ${DAY_NAMES[rule.weekday]} at ${rule.time} (${rule.timeZone})`;
}
