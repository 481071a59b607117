/**
 * Which figure or exception of an evidence pack evidences which control auditors ask about. One
 * table, read by the PDF (a controls page and a column beside each exception) and by the tests.
 * Controls: SOC 2 (2017 Trust Services Criteria, common criteria CC6.1-CC6.3) and ISO/IEC 27001:2022
 * Annex A (A.5.15-A.5.18, A.8.2).
 */
export const CONTROLS = {
  'SOC 2 CC6.1': 'Logical access security over protected information assets',
  'SOC 2 CC6.2': 'Access is registered and authorised before it is granted, and removed when no longer authorised',
  'SOC 2 CC6.3': 'Access is granted, changed and removed by role and least privilege, with segregation of duties',
  'ISO 27001 A.5.15': 'Access control',
  'ISO 27001 A.5.16': 'Identity management',
  'ISO 27001 A.5.17': 'Authentication information',
  'ISO 27001 A.5.18': 'Access rights',
  'ISO 27001 A.8.2': 'Privileged access rights',
} as const;
export type ControlId = keyof typeof CONTROLS;
export const CONTROL_IDS = Object.keys(CONTROLS) as ControlId[];

/** What a pack shows: its summary figures and its kinds of exception. */
export type EvidenceItem =
  | 'requests'
  | 'refused_ineligible'
  | 'approval_time'
  | 'grants'
  | 'people_with_access'
  | 'revocation_lateness'
  | 'revocation_reasons'
  | 'verification_outcomes'
  | 'drift'
  | 'break_glass'
  | 'sign_ins'
  | 'exception.late_revocation'
  | 'exception.failed_revocation'
  | 'exception.drift'
  | 'exception.break_glass'
  | 'audit_chain';

/** Each item in words, as the PDF's controls page names it. */
export const EVIDENCE_LABELS: Record<EvidenceItem, string> = {
  requests: 'requests and outcomes',
  refused_ineligible: 'refused as not eligible',
  approval_time: 'time to approval',
  grants: 'grants started and ended',
  people_with_access: 'people holding a grant',
  revocation_lateness: 'revocation lateness',
  revocation_reasons: 'grants ended, by reason',
  verification_outcomes: 'verification receipts',
  drift: 'drift found',
  break_glass: 'break-glass uses',
  sign_ins: 'sign-ins and second factors',
  'exception.late_revocation': 'late revocations (exceptions)',
  'exception.failed_revocation': 'failed revocations (exceptions)',
  'exception.drift': 'drift (exceptions)',
  'exception.break_glass': 'break-glass uses (exceptions)',
  audit_chain: 'the audit chain position',
};

export const EVIDENCE_CONTROLS: Record<EvidenceItem, readonly ControlId[]> = {
  // Every access asked for, decided against a policy and recorded.
  requests: ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'ISO 27001 A.5.15', 'ISO 27001 A.5.18', 'ISO 27001 A.8.2'],
  // Access profiles refused people they do not name: eligibility by role.
  refused_ineligible: ['SOC 2 CC6.3', 'ISO 27001 A.5.15'],
  // Authorisation happens before access, by a person or a rule, and how long it takes.
  approval_time: ['SOC 2 CC6.2', 'ISO 27001 A.5.18'],
  // Time-bound privileged access instead of standing access.
  grants: ['SOC 2 CC6.3', 'ISO 27001 A.5.18', 'ISO 27001 A.8.2'],
  // Who held privileged access, each a known identity.
  people_with_access: ['ISO 27001 A.5.16', 'ISO 27001 A.5.18', 'ISO 27001 A.8.2'],
  // Access removed when no longer authorised, and how late.
  revocation_lateness: ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'ISO 27001 A.5.18', 'ISO 27001 A.8.2'],
  // Why access was removed: at expiry, given back, by an admin, a review, offboarding.
  revocation_reasons: ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'ISO 27001 A.5.18'],
  // The directory read back: access really in place or really gone.
  verification_outcomes: ['SOC 2 CC6.1', 'ISO 27001 A.5.15', 'ISO 27001 A.8.2'],
  // Access found that no grant explains.
  drift: ['SOC 2 CC6.1', 'SOC 2 CC6.3', 'ISO 27001 A.5.18', 'ISO 27001 A.8.2'],
  // Emergency self-approval and its compensating review.
  break_glass: ['SOC 2 CC6.1', 'SOC 2 CC6.3', 'ISO 27001 A.5.15', 'ISO 27001 A.8.2'],
  // Sign-ins, failed sign-ins and second factors.
  sign_ins: ['SOC 2 CC6.1', 'ISO 27001 A.5.17'],
  'exception.late_revocation': ['SOC 2 CC6.2', 'ISO 27001 A.5.18', 'ISO 27001 A.8.2'],
  'exception.failed_revocation': ['SOC 2 CC6.2', 'SOC 2 CC6.3', 'ISO 27001 A.5.18', 'ISO 27001 A.8.2'],
  'exception.drift': ['SOC 2 CC6.1', 'SOC 2 CC6.3', 'ISO 27001 A.5.18', 'ISO 27001 A.8.2'],
  'exception.break_glass': ['SOC 2 CC6.1', 'SOC 2 CC6.3', 'ISO 27001 A.8.2'],
  // The record itself: complete and unaltered.
  audit_chain: ['SOC 2 CC6.1', 'ISO 27001 A.5.15'],
};

/** Per control, the items that evidence it (the PDF's controls page). */
export function controlCoverage(): { control: ControlId; title: string; items: EvidenceItem[] }[] {
  return CONTROL_IDS.map((control) => ({
    control,
    title: CONTROLS[control],
    items: (Object.keys(EVIDENCE_CONTROLS) as EvidenceItem[]).filter((item) => EVIDENCE_CONTROLS[item].includes(control)),
  }));
}
