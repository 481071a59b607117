import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_SECONDS, signedHeaders, ticketCheckSignature, verifyTicketCheckSignature } from './signature.js';

const SECRET = 'whsec-test-0123456789abcdef0123456789';
const BODY = '{"ticket":"ABC-123"}';

describe('the ticket-check signature', () => {
  it('is v1= and HMAC-SHA256 over "<timestamp>.<body>" keyed with the secret (a vector computed with openssl)', () => {
    // printf '%s' '1700000000.{"ticket":"ABC-123"}' | openssl dgst -sha256 -hmac 'whsec-test-0123456789abcdef0123456789'
    expect(ticketCheckSignature(SECRET, '1700000000', BODY)).toBe('v1=b6e6d966e64907e6e71da339e90ab1a74c64c86f0f7ceb715748d20430a77438');
  });

  it('is sent as X-JIT-Timestamp (Unix seconds) and X-JIT-Signature', () => {
    const headers = signedHeaders(SECRET, BODY, new Date(1_700_000_000_900));
    expect(headers).toEqual({ 'x-jit-timestamp': '1700000000', 'x-jit-signature': 'v1=b6e6d966e64907e6e71da339e90ab1a74c64c86f0f7ceb715748d20430a77438' });
  });
});

describe('a receiver checking it', () => {
  const sentAt = new Date('2026-03-02T09:00:00Z');
  const headers = signedHeaders(SECRET, BODY, sentAt);
  const check = (over: Partial<Parameters<typeof verifyTicketCheckSignature>[0]>) => verifyTicketCheckSignature({ secret: SECRET, headers, body: BODY, now: sentAt, ...over });

  it('accepts the call as signed, up to 5 minutes either side of its clock', () => {
    expect(check({})).toEqual({ ok: true });
    expect(check({ now: new Date(sentAt.getTime() + REPLAY_WINDOW_SECONDS * 1000) })).toEqual({ ok: true });
    expect(check({ now: new Date(sentAt.getTime() - REPLAY_WINDOW_SECONDS * 1000) })).toEqual({ ok: true });
  });

  it('refuses another secret, an altered body and an altered timestamp', () => {
    expect(check({ secret: 'another-secret-of-enough-length-000000' })).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(check({ body: '{"ticket":"ABC-124"}' })).toMatchObject({ ok: false });
    expect(check({ headers: { ...headers, 'x-jit-timestamp': String(Number(headers['x-jit-timestamp']) + 1) } })).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
  });

  it('refuses a replay: the same call more than 5 minutes later', () => {
    const later = check({ now: new Date(sentAt.getTime() + (REPLAY_WINDOW_SECONDS + 1) * 1000) });
    expect(later).toMatchObject({ ok: false, reason: expect.stringMatching(/301 s away from now, more than 300 s: a replay/) });
  });

  it('refuses missing or malformed headers', () => {
    expect(check({ headers: {} })).toMatchObject({ ok: false, reason: expect.stringMatching(/x-jit-timestamp/) });
    expect(check({ headers: { ...headers, 'x-jit-signature': 'sha256=abc' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/v1=<64 hex digits>/) });
    expect(check({ headers: { ...headers, 'x-jit-timestamp': ['1', '2'] } })).toMatchObject({ ok: false });
  });
});
