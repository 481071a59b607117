/**
 * What the test domain holds besides what provisioning makes, written into the template with the
 * DC stopped (ldbadd / samba-tool on sam.ldb directly: far faster than LDAP adds).
 *
 * - OU=People, OU=Groups, OU=Bulk.
 * - svc-jit: may read and write `member` of groups under OU=Groups (an inherited ACE on the OU),
 *   nothing more: the least privilege the connector needs.
 * - svc-reader: an ordinary user (reads only).
 * - CN=Bulk-5000,OU=Groups: BULK_MEMBERS users (bulk00000 ...) under OU=Bulk, for ranged reads.
 *
 * Bump FIXTURE_VERSION when this changes: the template is keyed by it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_VERSION = 1;
export const BASE_DN = 'DC=jit,DC=test';
export const BULK_MEMBERS = 5000;
export const BULK_GROUP_DN = `CN=Bulk-5000,OU=Groups,${BASE_DN}`;
export const bulkUserDn = (i: number) => `CN=bulk${String(i).padStart(5, '0')},OU=Bulk,${BASE_DN}`;

export type Account = { dn: string; sAMAccountName: string; password: string };
export const SERVICE_ACCOUNTS = {
  jit: { dn: `CN=svc-jit,OU=People,${BASE_DN}`, sAMAccountName: 'svc-jit', password: 'Svc-Jit-Test-Pw-1!' },
  reader: { dn: `CN=svc-reader,OU=People,${BASE_DN}`, sAMAccountName: 'svc-reader', password: 'Svc-Reader-Test-Pw-1!' },
} as const satisfies Record<string, Account>;

/** schemaIDGUID of the `member` attribute and of the `group` class (the same in every AD forest). */
const MEMBER_ATTRIBUTE = 'bf9679c0-0de6-11d0-a285-00aa003049e2';
const GROUP_CLASS = 'bf967a9c-0de6-11d0-a285-00aa003049e2';

const exec = promisify(execFile);

/** Runs a tool (without blocking the event loop); a failure says what it printed. The signal kills it. */
export async function run(tool: string, args: string[], signal?: AbortSignal): Promise<string> {
  try {
    return (await exec(tool, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...(signal ? { signal } : {}) })).stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string };
    throw new Error(`${tool} ${args[0] ?? ''} failed: ${e.stderr ?? ''}${e.stdout ?? ''}`.slice(0, 4000), { cause: error });
  }
}

export async function buildFixture(dir: string, opts: { bulk?: boolean; signal?: AbortSignal; progress?: (message: string) => void } = {}): Promise<void> {
  const sam = join(dir, 'private', 'sam.ldb');
  const conf = join(dir, 'etc', 'smb.conf');
  const { signal } = opts;
  opts.progress?.('adding the OUs and the service accounts svc-jit and svc-reader');
  const ous = ['People', 'Groups', 'Bulk'].map((ou) => `dn: OU=${ou},${BASE_DN}\nobjectClass: organizationalUnit\n`);
  writeFileSync(join(dir, 'ous.ldif'), ous.join('\n'));
  await run('/usr/bin/ldbadd', ['--nosync', '-H', sam, join(dir, 'ous.ldif')], signal);
  for (const account of Object.values(SERVICE_ACCOUNTS)) {
    await run('/usr/bin/samba-tool', ['user', 'create', account.sAMAccountName, account.password, `--userou=OU=People`, '-H', sam, '-s', conf], signal);
  }
  const sid = (await run('/usr/bin/samba-tool', ['user', 'show', SERVICE_ACCOUNTS.jit.sAMAccountName, '--attributes=objectSid', '-H', sam, '-s', conf], signal))
    .match(/objectSid: (S-[0-9-]+)/)?.[1];
  if (!sid) throw new Error('could not read the objectSid of svc-jit');
  // Read and write `member` on every group below OU=Groups, inherited (CI), for svc-jit only.
  await run('/usr/bin/samba-tool', ['dsacl', 'set', `--objectdn=OU=Groups,${BASE_DN}`, '--action=allow', `--sddl=(OA;CI;RPWP;${MEMBER_ATTRIBUTE};${GROUP_CLASS};${sid})`, '-H', sam, '-s', conf], signal);
  if (opts.bulk === false) return;
  opts.progress?.(`adding ${BULK_MEMBERS.toLocaleString('en')} users and the group Bulk-${BULK_MEMBERS} for ranged reads`);
  const users: string[] = [];
  for (let i = 0; i < BULK_MEMBERS; i++) {
    const name = `bulk${String(i).padStart(5, '0')}`;
    users.push(`dn: ${bulkUserDn(i)}\nobjectClass: user\nsAMAccountName: ${name}\n`);
  }
  writeFileSync(join(dir, 'bulk-users.ldif'), users.join('\n'));
  await run('/usr/bin/ldbadd', ['--nosync', '-H', sam, join(dir, 'bulk-users.ldif')], signal);
  const group = [`dn: ${BULK_GROUP_DN}`, 'objectClass: group', 'sAMAccountName: Bulk-5000'];
  for (let i = 0; i < BULK_MEMBERS; i++) group.push(`member: ${bulkUserDn(i)}`);
  writeFileSync(join(dir, 'bulk-group.ldif'), `${group.join('\n')}\n`);
  await run('/usr/bin/ldbadd', ['--nosync', '-H', sam, join(dir, 'bulk-group.ldif')], signal);
}
