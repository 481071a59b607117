/**
 * `jit step-up` against a real server, with real TOTP codes computed in the test by otpauth: a
 * requester and an approver under a policy that requires a second factor of both are refused
 * until they prove one from the CLI (the code given with --code, or piped in when there is no
 * terminal); then the request goes in and the approval goes through with `jit approve`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretKey } from '../../sync-server/secrets/index.js';
import { jitIn, json } from './helpers/jit.js';
import { enrolMfa, MFA_PASSWORD, mfaOrganisation, STEP_MS, totpCode, type Enrolled } from './helpers/mfa.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
const homes: string[] = [];
const home = () => {
  const dir = mkdtempSync(join(tmpdir(), 'jit-cli-mfa-'));
  homes.push(dir);
  return dir;
};
let rita: ReturnType<typeof jitIn>;
let alice: ReturnType<typeof jitIn>;
let ritaMfa: Enrolled;
let aliceMfa: Enrolled;
/** A code of the next 30-second step: the current one was spent confirming the enrolment. */
const nextCode = (enrolled: Enrolled) => totpCode(enrolled.secret, Date.now() + STEP_MS);

beforeAll(async () => {
  srv = await startTestServer({ secretKey: SecretKey.generate() });
  let n = 0;
  await mfaOrganisation(srv.url, srv.adminToken, (type, payload) => {
    const result = srv.processor.apply({ id: `setup-${++n}`, type, actorId: 'u-admin', payload, createdAt: new Date().toISOString() }, { bootstrap: true });
    if (result.status !== 'applied') throw new Error(`${type}: ${result.message}`);
  });
  // Each enrols in the console (here over REST); the CLI's session is another one, not stepped up.
  ritaMfa = await enrolMfa(srv.url, await login(srv.url, 'rita', MFA_PASSWORD));
  aliceMfa = await enrolMfa(srv.url, await login(srv.url, 'alice', MFA_PASSWORD));
  const ritaHome = home();
  const aliceHome = home();
  rita = jitIn(() => ritaHome);
  alice = jitIn(() => aliceHome);
  for (const [cli, user] of [
    [rita, 'rita'],
    [alice, 'alice'],
  ] as const) {
    const signedIn = await cli.jit(['login', '--server', srv.url, '--user', user], { JIT_PASSWORD: MFA_PASSWORD });
    expect(signedIn.code, signedIn.stderr).toBe(0);
  }
});
afterAll(async () => {
  await srv?.close();
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

describe('jit step-up', () => {
  let requestId: string;

  it('a request under a policy requiring MFA is refused until the CLI session proves a second factor', async () => {
    const refused = await rita.jit(['request', 'res-mfa', '--for', '1h']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/asking for this access needs a second factor within the last 15 minutes.*\(run jit step-up, then send it again\)/);

    const wrong = await rita.jit(['step-up', '--code', '000000']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^jit: --code \(code\): is not the current code of your authenticator/);

    const nothing = await rita.jit(['step-up']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/--code: give the code from your authenticator app/);

    const proved = await rita.jit(['step-up', '--code', nextCode(ritaMfa)]);
    expect(proved.code, proved.stderr).toBe(0);
    expect(proved.stdout).toMatch(/^Second factor confirmed at \S+ with your authenticator code\./);

    const asked = await rita.jit(['request', 'res-mfa', '--for', '1h', '--json']);
    expect(asked.code, asked.stderr).toBe(0);
    const request = json<{ request: { id: string; status: string } }>(asked).request;
    expect(request.status).toBe('pending_approval');
    requestId = request.id;
  });

  it('an approver approves from the CLI after stepping up with a code piped in', async () => {
    const refused = await alice.jit(['approve', requestId, '--why', 'change window']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/approving this request needs a second factor.*jit step-up/);

    const proved = await alice.jit(['step-up', '--json'], {}, `${nextCode(aliceMfa)}\n`);
    expect(proved.code, proved.stderr).toBe(0);
    expect(json(proved)).toMatchObject({ method: 'totp' });

    const approved = await alice.jit(['approve', requestId, '--why', 'change window']);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^Approved: request \S+ approved; grant \S+ is being provisioned/);
    const after = await http('GET', `${srv.url}/api/v1/requests/${requestId}`, { token: srv.adminToken });
    expect(after.body).toMatchObject({ status: 'approved', decisions: [{ approverId: 'u-alice', decision: 'approve', reason: 'change window' }] });
  });

  it('a recovery code works once, and says how many are left', async () => {
    const used = await rita.jit(['step-up', '--code', ritaMfa.recoveryCodes[0]!]);
    expect(used.code, used.stderr).toBe(0);
    expect(used.stdout).toMatch(/with a recovery code \(9 left; each works once\)/);
    const again = await rita.jit(['step-up', '--code', ritaMfa.recoveryCodes[0]!]);
    expect(again.code).toBe(2);
  });
});
