/**
 * `npm run config -- export|import` (cli/config.ts) run as a child process, as the package script
 * runs it, against a real server with the demo organisation, signed in with `jit login`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, REPO_ROOT, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let home: string;
type Run = { code: number | null; stdout: string; stderr: string };

function run(script: 'cli/config.ts' | 'cli/jit.mjs', args: string[], env: Record<string, string> = {}): Promise<Run> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('JIT_')));
  const node = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const child = spawn(process.execPath, [...node, ...args], { cwd: REPO_ROOT, env: { ...inherited, XDG_CONFIG_HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
const config = (args: string[]) => run('cli/config.ts', args);
const login = async (user: string) => expect((await run('cli/jit.mjs', ['login', '--server', srv.url, '--user', user], { JIT_PASSWORD: DEMO_PASSWORD })).code).toBe(0);
const file = (name: string) => join(home, name);

/** The first `field:` line after the entity's id, set to value. */
function edit(text: string, id: string, field: string, value: string): string {
  const at = text.indexOf(`  - id: ${id}\n`);
  return text.slice(0, at) + text.slice(at).replace(new RegExp(`^(\\s+${field}:).*$`, 'm'), `$1 ${value}`);
}

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  home = mkdtempSync(join(tmpdir(), 'jit-config-cli-'));
});
afterAll(async () => {
  await srv?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('npm run config against a real server', { timeout: 60_000 }, () => {
  it('needs jit login (exit 3); usage errors exit 2', async () => {
    const before = await config(['export', file('before.yaml')]);
    expect(before).toMatchObject({ code: 3, stderr: 'config: not signed in: run jit login\n' });
    const typo = await config(['import', file('x.yaml'), '--prun']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^config: unknown option '--prun' \(Did you mean --prune\?\)/);
  });

  it('exports to a file; a dry run shows the diff and changes nothing; the import applies a tightening at once', async () => {
    await login('mallory');
    const exported = await config(['export', file('jit.yaml')]);
    expect(exported.code, exported.stderr).toBe(0);
    const text = readFileSync(file('jit.yaml'), 'utf8');
    expect(text).toMatch(/^# JIT access console configuration/);
    expect(text).toContain(`# Server: ${srv.url}`);

    writeFileSync(file('jit.yaml'), edit(text, 'pol-two-step', 'maxDurationMinutes', '120'));
    const dry = await config(['import', file('jit.yaml'), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('~ access policy pol-two-step "Owner and security"\n    maxDurationMinutes: 240 → 120\n');
    expect(dry.stdout).toContain('Dry run: Applies at once (it widens nothing).');
    expect(srv.store.get('policies', 'pol-two-step')?.maxDurationMinutes).toBe(240);

    const done = await config(['import', file('jit.yaml')]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('Imported: configuration imported: 1 changed.');
    expect(srv.store.get('policies', 'pol-two-step')).toMatchObject({ maxDurationMinutes: 120, changedBy: [expect.objectContaining({ userId: 'u-mallory' })] });
    const again = await config(['import', file('jit.yaml')]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('Nothing to change.');
  });

  it('a widening is proposed (exit 0, named), one of her own access refused (exit 4), a broken file names its line (exit 2)', async () => {
    const text = (await config(['export'])).stdout;
    writeFileSync(file('wide.yaml'), edit(text, 'pol-two-step', 'maxDurationMinutes', '480'));
    const proposed = await config(['import', file('wide.yaml')]);
    expect(proposed.code, proposed.stderr).toBe(0);
    expect(proposed.stdout).toContain('Widens access, so a second policy admin or admin must approve the whole import:\n  access policy pol-two-step: maximum duration 120 → 480 minutes');
    expect(proposed.stdout).toMatch(/Proposed as prop-\w+: nothing changes until another policy admin or admin approves it/);
    expect(srv.store.get('policies', 'pol-two-step')?.maxDurationMinutes).toBe(120);

    writeFileSync(file('mine.yaml'), edit(text, 'pol-single-approver', 'maxDurationMinutes', '1440'));
    const mine = await config(['import', file('mine.yaml'), '--json']);
    expect(mine.code).toBe(4);
    expect(JSON.parse(mine.stdout)).toMatchObject({ error: { code: 'self_approval_forbidden' }, exitCode: 4 });

    writeFileSync(file('bad.yaml'), text.replace('requireTicket:', 'requireticket:'));
    const bad = await config(['import', file('bad.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^config: policies\[pol-auto-low\]\.requireticket: is not a known field \(line \d+\)/);
    expect((await config(['import', file('none.yaml')])).code).toBe(2);
  });

  it('a requester may not import (exit 4)', async () => {
    await login('bob');
    const refused = await config(['import', file('jit.yaml'), '--dry-run']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^config: comparing a configuration file needs one of the roles policy_admin, admin/);
  });
});
