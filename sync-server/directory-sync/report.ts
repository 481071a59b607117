/** Per list, how many entries a report keeps word for word; the counts are always whole. */
export const REPORT_DETAIL_LIMIT = 500;

export type FieldChange = { from: unknown; to: unknown };
export type PersonRef = { personId: string; displayName: string; objectId: string };

/** What one run of a source changed, for the audit event and `GET /api/v1/directory-sync/runs/:id`. */
export type ChangeReport = {
  full: boolean;
  pages: number;
  /** services: service identities (Entra service principals) added or changed, their owners included. */
  counts: { added: number; changed: number; disabled: number; enabled: number; removed: number; skipped: number; groupsAdded: number; groupsChanged: number; services?: number };
  added: PersonRef[];
  /** Field by field: { department: { from: 'Sales', to: 'Finance' } }. */
  changed: (PersonRef & { fields: Record<string, FieldChange> })[];
  disabled: PersonRef[];
  enabled: PersonRef[];
  removed: (PersonRef & { reason: 'deleted' | 'soft' })[];
  /** Directory objects left alone: their person's link to this directory was set by hand. */
  skipped: (PersonRef & { reason: string })[];
  /** Some lists hold only the first REPORT_DETAIL_LIMIT entries. */
  truncated: boolean;
  /** What this run could not see, in words (AD: the deleted objects, when the account may not list them). */
  warnings?: string[];
};

export function emptyReport(full = false): ChangeReport {
  return {
    full,
    pages: 0,
    counts: { added: 0, changed: 0, disabled: 0, enabled: 0, removed: 0, skipped: 0, groupsAdded: 0, groupsChanged: 0 },
    added: [],
    changed: [],
    disabled: [],
    enabled: [],
    removed: [],
    skipped: [],
    truncated: false,
  };
}

type ListName = 'added' | 'changed' | 'disabled' | 'enabled' | 'removed' | 'skipped';

export function record<L extends ListName>(report: ChangeReport, list: L, entry: ChangeReport[L][number]): void {
  report.counts[list]++;
  const entries = report[list] as ChangeReport[L][number][];
  if (entries.length < REPORT_DETAIL_LIMIT) entries.push(entry);
  else report.truncated = true;
}

/** The audit event's data: counts and the first few of each list (the run keeps more). */
export function auditSummary(report: ChangeReport, limit = 50): Record<string, unknown> {
  const cut = <T>(list: T[]): T[] => list.slice(0, limit);
  return {
    full: report.full,
    pages: report.pages,
    counts: report.counts,
    added: cut(report.added),
    changed: cut(report.changed),
    disabled: cut(report.disabled),
    enabled: cut(report.enabled),
    removed: cut(report.removed),
    skipped: cut(report.skipped),
    truncated: report.truncated || Object.values(report.counts).some((n) => n > limit),
    ...(report.warnings && report.warnings.length > 0 ? { warnings: report.warnings } : {}),
  };
}
