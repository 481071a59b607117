/**
 * The period an evidence pack covers: whole calendar months or quarters in UTC, so the same pack
 * asked for on two machines in different zones covers the same events. `to` is exclusive.
 */
export type PeriodPreset = 'last_quarter' | 'this_quarter' | 'last_month' | 'this_month' | 'last_12_months';
export type EvidencePeriod = { from: string; to: string; label: string };

export const PERIOD_PRESETS: readonly { id: PeriodPreset; label: string }[] = [
  { id: 'last_quarter', label: 'Last quarter' },
  { id: 'this_quarter', label: 'This quarter so far' },
  { id: 'last_month', label: 'Last month' },
  { id: 'this_month', label: 'This month so far' },
  { id: 'last_12_months', label: 'Last 12 months' },
];

const utc = (year: number, month: number) => new Date(Date.UTC(year, month, 1)).toISOString();
const monthName = (year: number, month: number) => new Date(Date.UTC(year, month, 1)).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });

export function periodFor(preset: PeriodPreset, now: Date): EvidencePeriod {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const q = Math.floor(m / 3);
  switch (preset) {
    case 'last_quarter': {
      const start = new Date(Date.UTC(y, q * 3 - 3, 1));
      const sy = start.getUTCFullYear();
      const sq = Math.floor(start.getUTCMonth() / 3);
      return { from: start.toISOString(), to: utc(y, q * 3), label: `Q${sq + 1} ${sy}` };
    }
    case 'this_quarter':
      return { from: utc(y, q * 3), to: now.toISOString(), label: `Q${q + 1} ${y} to date` };
    case 'last_month': {
      const start = new Date(Date.UTC(y, m - 1, 1));
      return { from: start.toISOString(), to: utc(y, m), label: monthName(start.getUTCFullYear(), start.getUTCMonth()) };
    }
    case 'this_month':
      return { from: utc(y, m), to: now.toISOString(), label: `${monthName(y, m)} to date` };
    case 'last_12_months':
      return { from: utc(y - 1, m), to: utc(y, m), label: `12 months to ${monthName(y, m - 1)}` };
  }
}

/** A custom period from two dates (YYYY-MM-DD, UTC), both days included. */
export function customPeriod(fromDay: string, toDay: string): EvidencePeriod | null {
  const from = Date.parse(`${fromDay}T00:00:00.000Z`);
  const to = Date.parse(`${toDay}T00:00:00.000Z`);
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return null;
  return { from: new Date(from).toISOString(), to: new Date(to + 86_400_000).toISOString(), label: `${fromDay} to ${toDay}` };
}

export function inPeriod(iso: string | null | undefined, period: EvidencePeriod): boolean {
  if (!iso) return false;
  const t = Date.parse(iso);
  return t >= Date.parse(period.from) && t < Date.parse(period.to);
}

/** A file-name-safe slug of the period: 2026-07-01_2026-09-30. */
export function periodSlug(period: EvidencePeriod): string {
  const last = new Date(Date.parse(period.to) - 1).toISOString().slice(0, 10);
  return `${period.from.slice(0, 10)}_${last}`;
}
