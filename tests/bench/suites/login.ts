/**
 * Sign-in under attack: the real server in this process on 127.0.0.1, trusting 127.0.0.1 as its
 * reverse proxy, so X-Forwarded-For gives each request the client address it claims.
 *
 * - attack: 50 concurrent guessers send wrong passwords for `admin`, each guess from a fresh
 *   address (a new IPv6 /64 from the documentation range each time, so no guess is ever throttled
 *   and every one costs a full scrypt check: the worst case for the server's CPU). Their p50/p99.
 * - legitimate: meanwhile the admin signs in from the address it signed in from before, one
 *   sign-in at a time: p50/p99 (target p99 <= 300 ms). Also a sign-in from an address the account
 *   never used (no target: it queues with the guesses), and the admin's sign-in with no attack
 *   (p50, p99), the floor on this machine.
 *
 * Only loopback is contacted; the claimed addresses exist only in the header.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../../../sync-server/app.js';
import type { BenchContext, BenchSuite } from '../types.js';

const ADMIN_PASSWORD = 'bench-console-password-1';
const GUESSERS = 50;
const LEGIT_ADDRESS = '198.51.100.10';

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One sign-in; its status and wall time. */
async function signIn(url: string, username: string, password: string, address: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

/** A fresh /64 for every guess: 2001:db8:<n>::1. */
let nextGuessAddress = 0;
function guessAddress(): string {
  const n = nextGuessAddress++;
  return `2001:db8:${(n >>> 16) & 0xffff}:${n & 0xffff}::1`;
}

async function legitSamples(url: string, until: number, address: () => string, gapMs: number): Promise<number[]> {
  const samples: number[] = [];
  while (performance.now() < until) {
    const { status, ms } = await signIn(url, 'admin', ADMIN_PASSWORD, address());
    if (status !== 200) throw new Error(`the legitimate sign-in answered ${status}`);
    samples.push(ms);
    await sleep(gapMs);
  }
  return samples;
}

async function run(ctx: BenchContext): Promise<void> {
  const attackSeconds = ctx.quick ? 8 : 30;
  const dataDir = mkdtempSync(join(tmpdir(), 'jit-bench-login-'));
  const server = await createServer({ dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', webRoot: join(dataDir, 'no-web'), trustProxy: ['127.0.0.1'] });
  try {
    const url = await server.listen(0, '127.0.0.1');
    // The admin's usual address: signed in from once before the attack.
    const first = await signIn(url, 'admin', ADMIN_PASSWORD, LEGIT_ADDRESS);
    if (first.status !== 200) throw new Error(`first sign-in answered ${first.status}`);
    const idle = await legitSamples(url, performance.now() + (ctx.quick ? 3_000 : 15_000), () => LEGIT_ADDRESS, 50);
    ctx.report('idle_sign_in_p50_ms', percentile(idle, 50), 'ms', null, 'lower');
    // What the machine gives one sign-in with no attack at all: the floor the attack figures compare to.
    ctx.report('idle_sign_in_p99_ms', percentile(idle, 99), 'ms', null, 'lower');

    let freshAddresses = 0;
    const attack: number[] = [];
    const statuses = new Map<number, number>();
    const until = performance.now() + attackSeconds * 1000;
    const guessers = Array.from({ length: GUESSERS }, async (_, g) => {
      for (let i = 0; performance.now() < until; i++) {
        const { status, ms } = await signIn(url, 'admin', `wrong-${g}-${i}`, guessAddress());
        attack.push(ms);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    });
    // Let the guessers fill the queue before measuring.
    await sleep(1_000);
    const [known, fresh] = await Promise.all([
      legitSamples(url, until, () => LEGIT_ADDRESS, 100),
      // Another admin address each time, never seen before: it waits with the guesses.
      legitSamples(url, until, () => `192.0.2.${(freshAddresses++ % 254) + 1}`, 500),
    ]);
    await Promise.all(guessers);
    const attackStatuses = [...statuses].map(([status, n]) => `${status}: ${n}`).join(', ');
    ctx.log(`${attack.length} guesses in ${attackSeconds} s (${attackStatuses}); ${known.length} known-address and ${fresh.length} new-address sign-ins`);
    ctx.log(`slowest known-address sign-ins: ${[...known].sort((a, b) => b - a).slice(0, 5).map((ms) => ms.toFixed(0)).join(', ')} ms`);
    if ([...statuses.keys()].some((s) => s !== 401 && s !== 429)) throw new Error(`unexpected answers to guesses: ${attackStatuses}`);

    ctx.report('attack_guesses_per_second', attack.length / attackSeconds, 'guesses/s', null, 'lower');
    ctx.report('attack_p50_ms', percentile(attack, 50), 'ms', null, 'lower');
    ctx.report('attack_p99_ms', percentile(attack, 99), 'ms', null, 'lower');
    ctx.report('legit_sign_in_p50_ms', percentile(known, 50), 'ms', null, 'lower');
    ctx.report('legit_sign_in_p99_ms', percentile(known, 99), 'ms', 300, 'lower');
    ctx.report('new_address_sign_in_p99_ms', percentile(fresh, 99), 'ms', null, 'lower');
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const suite: BenchSuite = { name: 'login', run };

export default suite;
