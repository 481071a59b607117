/**
 * The contract every directory connector passes, against its real stand-in (the Graph stand-in for
 * Entra, a Samba DC for AD). A harness says how to make a group and a user there and how to look
 * at or change membership behind the connector's back.
 *
 *   connectorContract('entra', () => harness);     // inside a describe, after the harness is ready
 */
import { expect, it } from 'vitest';
import type { AssignmentRef, Connector } from '../../../core/index.js';

export type ContractHarness = {
  connector: Connector;
  /** A fresh group the connector serves, as a resource. */
  group(): Promise<AssignmentRef['resource']>;
  /** A fresh user, as the principal id the connector expects. */
  user(): Promise<string>;
  isMember(resource: AssignmentRef['resource'], principalId: string): Promise<boolean>;
  /** Adds the membership without the connector (someone doing it by hand). */
  addByHand(resource: AssignmentRef['resource'], principalId: string): Promise<void>;
  /** Reads to insist on (a stand-in with replica lag needs more). */
  reads?: { consistentReads: number; maxReads: number };
};

let n = 0;
const ref = (resource: AssignmentRef['resource'], principalId: string): AssignmentRef => ({ grantId: `gr-contract-${++n}`, resource, principalId });

export function connectorContract(name: string, harness: () => ContractHarness): void {
  it(`${name}: provision is applied once and then already in state, and verification sees it`, async () => {
    const h = harness();
    const r = ref(await h.group(), await h.user());
    expect(await h.connector.provision(r)).toMatchObject({ status: 'applied' });
    expect(await h.isMember(r.resource, r.principalId)).toBe(true);
    expect(await h.connector.provision(r)).toMatchObject({ status: 'applied', alreadyInState: true });
    expect(await h.connector.verify(r, 'present', h.reads)).toMatchObject({ present: true, conclusive: true, transitiveChecked: true });
  });

  it(`${name}: revoke is applied once and then already in state, and verification sees it gone`, async () => {
    const h = harness();
    const r = ref(await h.group(), await h.user());
    await h.connector.provision(r);
    expect(await h.connector.revoke(r)).toMatchObject({ status: 'applied' });
    expect(await h.isMember(r.resource, r.principalId)).toBe(false);
    expect(await h.connector.revoke(r)).toMatchObject({ status: 'applied', alreadyInState: true });
    const gone = await h.connector.verify(r, 'absent', h.reads);
    expect(gone).toMatchObject({ present: false, conclusive: true });
    expect(gone.reads.length).toBeGreaterThanOrEqual(gone.consistentReads);
    expect(gone.endpoint).not.toBe('');
  });

  it(`${name}: batch forms answer once per grant id, whatever the input repeats`, async () => {
    const h = harness();
    const resource = await h.group();
    const refs = await Promise.all([1, 2, 3].map(async () => ref(resource, await h.user())));
    const provisioned = await (h.connector.provisionMany?.([...refs, refs[0]!]) ?? Promise.resolve(new Map(await Promise.all(refs.map(async (r) => [r.grantId, await h.connector.provision(r)] as const)))));
    expect([...provisioned.keys()].sort()).toEqual(refs.map((r) => r.grantId).sort());
    for (const r of refs) expect(await h.isMember(resource, r.principalId)).toBe(true);
    const revoked = await (h.connector.revokeMany?.([refs[1]!, ...refs]) ?? Promise.resolve(new Map(await Promise.all(refs.map(async (r) => [r.grantId, await h.connector.revoke(r)] as const)))));
    expect([...revoked.values()].every((o) => o.status === 'applied')).toBe(true);
    for (const r of refs) expect(await h.isMember(resource, r.principalId)).toBe(false);
  });

  it(`${name}: lists the members of a group, and a re-add by hand is seen by verification (drift)`, async () => {
    const h = harness();
    const r = ref(await h.group(), await h.user());
    await h.connector.provision(r);
    expect((await h.connector.listAssignments(r.resource)).map((a) => a.principalId.toLowerCase())).toContain(r.principalId.toLowerCase());
    await h.connector.revoke(r);
    expect((await h.connector.listAssignments(r.resource)).map((a) => a.principalId.toLowerCase())).not.toContain(r.principalId.toLowerCase());
    await h.addByHand(r.resource, r.principalId);
    const drift = await h.connector.verify(r, 'absent', h.reads);
    expect(drift, JSON.stringify(drift.reads.slice(-3))).toMatchObject({ present: true, conclusive: true });
  });

  it(`${name}: refuses a resource of another connector, and says it is healthy`, async () => {
    const h = harness();
    const resource = await h.group();
    const outcome = await h.connector.provision(ref({ ...resource, connectorId: 'someone-else' }, await h.user()));
    expect(outcome).toMatchObject({ status: 'failed', retryable: false, code: 'wrong_connector' });
    expect(await h.connector.health()).toMatchObject({ ok: true });
  });
}
