/**
 * A connector whose directory this process is still starting: the demo's Samba DC, whose first
 * start provisions a domain. The server listens at once and this stands in for the real connector:
 *
 * - writes answer "throttled, try again shortly": the scheduler's pacing path, so no attempt is
 *   used, nothing escalates and nothing is lost; they go through once the directory is up;
 * - verification and listing wait for it (bounded), so no receipt is written from a directory
 *   that is not there yet;
 * - health says `starting`, with the step in progress.
 *
 * Once the directory is up every call goes to the real connector. If it cannot start, the
 * fallback (the manual connector: tasks for the group owner) takes over and health says why.
 */
import type { Assignment, AssignmentRef, Connector, ConnectorDiagnosis, ConnectorHealth, ConnectorOutcome, PrincipalReport, VerifyOutcome } from '../../core/index.js';

type Closable = Connector & { close?(): void; reverification?: unknown };

export type StartingConnectorOptions = {
  /** The connector to use once `ready` resolves (built now, used only then). */
  target: Closable;
  ready: Promise<unknown>;
  /** What serves the resources if `ready` rejects, given why. */
  fallback: (reason: string) => Closable;
  /** What is being done first, in a few words ("provisioning the domain"). */
  step: string;
  /** How long a verification or a listing waits for the directory before it is tried again later. */
  readWaitMs?: number;
  now?: () => number;
};

/** How soon a write refused while starting is tried again. */
const WRITE_RETRY_MS = 3_000;

export class StartingConnector implements Connector {
  readonly kind: Connector['kind'];
  readonly id: string;
  private phase: { state: 'starting'; step: string } | { state: 'ready' } | { state: 'fallback'; reason: string; connector: Closable };
  private readonly startedAt: number;
  private readonly settled: Promise<void>;
  private readonly now: () => number;

  constructor(private readonly opts: StartingConnectorOptions) {
    this.kind = opts.target.kind;
    this.id = opts.target.id;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.phase = { state: 'starting', step: opts.step };
    this.settled = opts.ready.then(
      () => {
        this.phase = { state: 'ready' };
      },
      (error: unknown) => {
        const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
        this.phase = { state: 'fallback', reason, connector: opts.fallback(reason) };
      },
    );
  }

  /** The step in progress, for health while starting. */
  setStep(step: string): void {
    if (this.phase.state === 'starting') this.phase = { state: 'starting', step };
  }

  get state(): 'starting' | 'ready' | 'fallback' {
    return this.phase.state;
  }

  /** Sweep settings (scheduler/sweep.ts) are the real connector's. */
  get reverification(): unknown {
    return this.opts.target.reverification;
  }

  private current(): Closable | undefined {
    if (this.phase.state === 'ready') return this.opts.target;
    if (this.phase.state === 'fallback') return this.phase.connector;
    return undefined;
  }

  private startingWords(): string {
    const seconds = Math.round((this.now() - this.startedAt) / 1000);
    return `starting: ${this.phase.state === 'starting' ? this.phase.step : 'almost done'} (for ${seconds} s); grants for its groups wait until it answers`;
  }

  private notYet(): ConnectorOutcome {
    return { status: 'failed', retryable: true, throttled: true, retryAfterMs: WRITE_RETRY_MS, code: 'directory_starting', message: `the directory is ${this.startingWords()}` };
  }

  /** The connector to read through, once there is one; an error (the job is tried again later) if it takes too long. */
  private async reader(): Promise<Closable> {
    const ready = this.current();
    if (ready) return ready;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.opts.readWaitMs ?? 60_000);
    });
    await Promise.race([this.settled, late]);
    clearTimeout(timer);
    const after = this.current();
    if (!after) throw new Error(`the directory is ${this.startingWords()}`);
    return after;
  }

  async provision(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return (await this.current()?.provision(ref)) ?? this.notYet();
  }

  async revoke(ref: AssignmentRef): Promise<ConnectorOutcome> {
    return (await this.current()?.revoke(ref)) ?? this.notYet();
  }

  async provisionMany(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
    const c = this.current();
    if (!c) return new Map(refs.map((r) => [r.grantId, this.notYet()]));
    return c.provisionMany ? await c.provisionMany(refs) : new Map(await Promise.all(refs.map(async (r) => [r.grantId, await c.provision(r)] as const)));
  }

  async revokeMany(refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
    const c = this.current();
    if (!c) return new Map(refs.map((r) => [r.grantId, this.notYet()]));
    return c.revokeMany ? await c.revokeMany(refs) : new Map(await Promise.all(refs.map(async (r) => [r.grantId, await c.revoke(r)] as const)));
  }

  async verify(ref: AssignmentRef, expect: 'present' | 'absent', opts?: { consistentReads?: number; maxReads?: number }): Promise<VerifyOutcome> {
    return await (await this.reader()).verify(ref, expect, opts);
  }

  async listAssignments(resource: AssignmentRef['resource']): Promise<Assignment[]> {
    return await (await this.reader()).listAssignments(resource);
  }

  /** The holders' account state and sign-ins, once the directory answers (the hand-changed fallback reads none). */
  async describePrincipals(principalIds: readonly string[]): Promise<PrincipalReport> {
    const reader = await this.reader();
    if (reader.describePrincipals) return await reader.describePrincipals(principalIds);
    return { signInReadable: false, signInNote: 'the directory could not start, so its accounts are not read', principals: new Map() };
  }

  async health(): Promise<ConnectorHealth> {
    const c = this.current();
    if (!c) return { ok: false, starting: true, detail: this.startingWords() };
    const health = await c.health();
    if (this.phase.state !== 'fallback') return health;
    return { ...health, detail: `the directory could not start (${this.phase.reason}), so its groups are changed by hand: ${health.detail}` };
  }

  async diagnose(resources: AssignmentRef['resource'][]): Promise<ConnectorDiagnosis> {
    const c = this.current();
    if (!c) {
      const detail = `the directory is ${this.startingWords()}: test again once it is up`;
      return { ok: false, failedStep: 'health', summary: detail, steps: [{ step: 'health', ok: false, detail }] };
    }
    if (c.diagnose) return await c.diagnose(resources);
    const health = await this.health();
    return { ok: health.ok, ...(health.ok ? {} : { failedStep: 'health' as const }), summary: health.detail, steps: [{ step: 'health', ok: health.ok, detail: health.detail }] };
  }

  close(): void {
    this.opts.target.close?.();
    if (this.phase.state === 'fallback') this.phase.connector.close?.();
  }
}
