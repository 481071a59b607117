/**
 * A connector that misbehaves like a real directory, in front of any other (tests, benches, the
 * contract suite). Deterministic from a seed. What it does, each with its own probability:
 *
 * - timeoutAfterWrite: the write is applied, then the answer is lost (a retryable timeout);
 * - phantomAlready: "already in state" for a write it never sent (the directory's answer to a
 *   retried write, arriving for the first one): the access is NOT changed;
 * - duplicateCall: the write is sent twice (a client retry racing the first);
 * - batches are taken apart and sent one by one, in a shuffled order.
 *
 * Faults inside a read (duplicated, reordered or repeated pages of a listing) belong to the
 * transport each connector reads through; the AD connector's are tested at the LDAP level
 * (tests/integration/ad-chaos.test.ts).
 *
 * The scheduler must still end every grant exactly once, and verification must never report a
 * revocation verified while the access remains: verify() is passed through untouched, since a
 * directory that lies about what it holds cannot be verified against by anyone.
 */
import type { Assignment, AssignmentRef, Connector, ConnectorOutcome, PrincipalReport, VerifyOutcome } from '../../core/index.js';

export type ChaosOptions = {
  seed?: number;
  timeoutAfterWrite?: number;
  phantomAlready?: number;
  duplicateCall?: number;
};

export type ChaosCounts = { timeoutAfterWrite: number; phantomAlready: number; duplicateCall: number };

/** mulberry32: small, seeded, good enough to pick faults. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class ChaosConnector implements Connector {
  readonly kind: Connector['kind'];
  readonly id: string;
  readonly counts: ChaosCounts = { timeoutAfterWrite: 0, phantomAlready: 0, duplicateCall: 0 };
  private readonly random: () => number;

  constructor(
    readonly inner: Connector & { close?(): void; reverification?: unknown },
    private readonly opts: ChaosOptions = {},
  ) {
    this.kind = inner.kind;
    this.id = inner.id;
    this.random = rng(opts.seed ?? 1);
  }

  get reverification(): unknown {
    return this.inner.reverification;
  }

  private roll(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.random() < p;
  }

  private async write(ref: AssignmentRef, op: 'provision' | 'revoke'): Promise<ConnectorOutcome> {
    if (this.roll(this.opts.phantomAlready)) {
      this.counts.phantomAlready++;
      return { status: 'applied', alreadyInState: true, detail: `chaos: "already in state" for a ${op} that was never sent` };
    }
    const send = () => (op === 'provision' ? this.inner.provision(ref) : this.inner.revoke(ref));
    let outcome: ConnectorOutcome;
    if (this.roll(this.opts.duplicateCall)) {
      this.counts.duplicateCall++;
      const [first, second] = await Promise.all([send(), send()]);
      outcome = first.status === 'applied' ? first : second;
    } else outcome = await send();
    if (outcome.status === 'applied' && this.roll(this.opts.timeoutAfterWrite)) {
      this.counts.timeoutAfterWrite++;
      return { status: 'failed', retryable: true, code: 'timeout', message: `chaos: the ${op} was applied but its answer was lost` };
    }
    return outcome;
  }

  async provision(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return await this.write(ref, 'provision');
  }

  async revoke(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return await this.write(ref, 'revoke');
  }

  /** One by one, in a shuffled order: each write gets its own faults. */
  private async many(refs: AssignmentRef[], op: 'provision' | 'revoke'): Promise<Map<string, ConnectorOutcome>> {
    const order = [...refs].sort(() => this.random() - 0.5);
    const out = new Map<string, ConnectorOutcome>();
    await Promise.all(order.map(async (ref) => out.set(ref.grantId, await this.write(ref, op))));
    return out;
  }

  async revokeMany(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
    return await this.many(refs, 'revoke');
  }

  async provisionMany(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
    return await this.many(refs, 'provision');
  }

  async verify(ref: AssignmentRef, expect: 'present' | 'absent', opts?: { consistentReads?: number; maxReads?: number }): Promise<VerifyOutcome> {
    return await this.inner.verify(ref, expect, opts);
  }

  async listAssignments(resource: AssignmentRef['resource']): Promise<Assignment[]> {
    return await this.inner.listAssignments(resource);
  }

  async describePrincipals(principalIds: readonly string[]): Promise<PrincipalReport> {
    if (this.inner.describePrincipals) return await this.inner.describePrincipals(principalIds);
    return { signInReadable: false, signInNote: `the ${this.inner.kind} connector does not read sign-ins`, principals: new Map() };
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    const inner = await this.inner.health();
    return { ...inner, detail: `${inner.detail} (behind a chaos wrapper)` };
  }

  close(): void {
    this.inner.close?.();
  }
}
