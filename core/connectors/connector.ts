import type { Grant } from '../schema/grant.js';
import type { Resource } from '../schema/resource.js';
import type { DirectoryUser } from '../schema/directory.js';

/** What a connector needs to act on one grant. The grant id is the idempotency key. */
export type AssignmentRef = {
  grantId: string;
  resource: Pick<Resource, 'id' | 'kind' | 'connector' | 'connectorId' | 'target' | 'name'>;
  /** The principal in that directory: Entra object id, AD distinguished name. */
  principalId: string;
  /** For PIM schedule requests: when the assignment must end on its own. */
  expiresAt?: string;
  justification?: string;
};

/** A typed outcome. `pending` means a person must act (a manual task); `failed` says whether to retry. */
export type ConnectorOutcome =
  | { status: 'applied'; detail: string; alreadyInState?: boolean; actedVia?: string }
  | { status: 'pending'; taskTitle: string; detail: string }
  /** `throttled`: the directory asked to slow down (429, 503); pacing, never counted toward escalation. */
  | { status: 'failed'; retryable: boolean; code: string; message: string; retryAfterMs?: number; throttled?: boolean };

export type VerificationReadResult = { at: string; present: boolean; detail: string };

export type VerifyOutcome = {
  /** Whether the principal holds the access now, directly or transitively. */
  present: boolean;
  endpoint: string;
  reads: VerificationReadResult[];
  consistentReads: number;
  transitiveChecked: boolean;
  /** False when the reads did not agree within the allowed attempts. */
  conclusive: boolean;
  /** What the reads cannot show (AD: Kerberos tickets issued before keep their groups until renewed). */
  caveat?: string;
};

/** One step of a connection test, in words an admin can act on. */
export type DiagnosisStep = { step: 'config' | 'dns' | 'tcp' | 'tls' | 'bind' | 'base_dn' | 'rights' | 'ttl' | 'health'; ok: boolean; detail: string };
/** A connection test: every step tried in order, stopping at the first that failed. */
export type ConnectorDiagnosis = { ok: boolean; failedStep?: DiagnosisStep['step']; summary: string; steps: DiagnosisStep[] };

export type Assignment = { resourceExternalId: string; principalId: string; kind: Resource['kind']; detail?: string };

/** What a directory says about one account, for standing-access discovery (null: not read). */
export type PrincipalFacts = { enabled: boolean | null; lastSignInAt: string | null; /** A group, not an account (AD lists nested groups' members as well as the groups). */ isGroup?: boolean };
/**
 * The accounts' facts as one read found them. `signInReadable` false: the directory would not say
 * when they last signed in (Entra without AuditLog.Read.All or a P1 licence), with `signInNote` saying why.
 */
export type PrincipalReport = { signInReadable: boolean; signInNote?: string; principals: Map<string, PrincipalFacts> };

/** Something a connector found out about its directory when it connected, shown as its own field (AD: whether memberships can carry a TTL). */
export type ConnectorFact = { key: string; label: string; value: string };

export type ConnectorHealth = {
  ok: boolean;
  detail: string;
  /** Still coming up (a directory this process starts): not serving yet, and not a fault. */
  starting?: boolean;
  facts?: ConnectorFact[];
};

export interface Connector {
  readonly kind: Resource['connector'];
  readonly id: string;
  provision(ref: AssignmentRef): Promise<ConnectorOutcome>;
  revoke(ref: AssignmentRef): Promise<ConnectorOutcome>;
  /** Reads the directory back until `consistentReads` reads agree. */
  verify(ref: AssignmentRef, expect: 'present' | 'absent', opts?: { consistentReads?: number; maxReads?: number }): Promise<VerifyOutcome>;
  listAssignments(resource: AssignmentRef['resource']): Promise<Assignment[]>;
  /** Account state and last sign-in of these principals (keys as given), where the directory keeps them. */
  describePrincipals?(principalIds: readonly string[]): Promise<PrincipalReport>;
  /** Several due writes at once: connectors that can batch (Graph $batch) do; others loop. */
  revokeMany?(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>>;
  provisionMany?(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>>;
  health(): Promise<ConnectorHealth>;
  /** A step-by-step connection test ("Test connection"), given the resources that use this connector. */
  diagnose?(resources: AssignmentRef['resource'][]): Promise<ConnectorDiagnosis>;
}

export type { Grant, DirectoryUser };
