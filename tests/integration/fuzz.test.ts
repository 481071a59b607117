/**
 * Hostile input against a real server on 127.0.0.1: every endpoint of its OpenAPI document and the
 * sync routes, fuzzed with fast-check (helpers/fuzz-cases.ts) and checked after every answer and
 * around the whole run (helpers/fuzz-run.ts). FUZZ_CASES and FUZZ_SEED override the count and seed;
 * a failure prints the seed and the shrunk case to replay it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, type AccessRequest } from '../../core/index.js';
import { HOSTILE_TEXT } from './helpers/fuzz-schema.js';
import { runFuzz } from './helpers/fuzz-run.js';
import { DEMO_PASSWORD, http, startTestServer, type TestServer } from './helpers/server.js';

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

let srv: TestServer;
beforeAll(async () => {
  // Budgets far above the run, so the cases reach the code behind them (floods have flood.test.ts).
  srv = await startTestServer({ seedDemo: true, floodGuard: { rejectionsPerWindow: 1_000_000, requestsPerMinute: 1_000_000 } });
});
afterAll(() => srv?.close());

describe('hostile input on every endpoint', () => {
  it(`${CASES} cases: only 4xx (or a documented 2xx) in the one error shape, nothing stored but rejections, the chain intact`, async () => {
    const stats = await runFuzz({ url: srv.url, store: srv.store, adminToken: srv.adminToken, numRuns: CASES, password: DEMO_PASSWORD, ...(SEED !== undefined ? { seed: SEED } : {}) });
    const statuses = Object.entries(stats.statuses)
      .map(([status, n]) => `${status}:${n}`)
      .join(' ');
    console.log(`fuzz: ${stats.cases} cases, ${stats.requests} requests in ${stats.seconds.toFixed(1)} s (${Math.round(stats.cases / stats.seconds)} cases/s); ${statuses}`);
    expect(stats.cases).toBe(CASES);
  }, 180_000);

  it('hostile text where free text is allowed is stored as sent (trimmed), and the chain still verifies', async () => {
    const [bob, alice] = [await srv.login('bob'), await srv.login('alice')];
    const text = fc.oneof(fc.constantFrom(...HOSTILE_TEXT), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 8 }));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(text, text, text, async (justification, ticket, reason) => {
        const requestId = `req-hostile-text-${n++}`;
        const created = await http<AccessRequest>('POST', `${srv.url}/api/v1/requests`, { token: bob, body: { requestId, resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: `${justification} x`, ticket } });
        expect(created.status, created.text).toBe(201);
        const read = await http<AccessRequest>('GET', `${srv.url}/api/v1/requests/${requestId}`, { token: bob });
        expect(read.body).toMatchObject({ justification: `${justification} x`.trim(), ticket: ticket.trim() });
        const denied = await http('POST', `${srv.url}/api/v1/commands`, { token: alice, body: { type: 'request.deny', payload: { requestId, reason: `${reason} no` } } });
        expect(denied.status, denied.text).toBe(200);
        expect(srv.store.get('requests', requestId)?.decisions.at(-1)?.reason).toBe(`${reason} no`.trim());
      }),
      { numRuns: 60, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
    expect(verifyChain(srv.store.auditEvents()).ok).toBe(true);
    const verify = await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken });
    expect(verify.body).toMatchObject({ ok: true });
  }, 60_000);
});
