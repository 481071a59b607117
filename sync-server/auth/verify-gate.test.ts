import { describe, expect, it } from 'vitest';
import { createVerifyGate, GateBusyError } from './verify-gate.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('verify gate', () => {
  it('runs at most `concurrency` checks at once and serves the known lane first', async () => {
    const gate = createVerifyGate({ concurrency: 1 });
    const order: string[] = [];
    const first = deferred();
    const running = gate.run('other', async () => {
      order.push('first');
      await first.promise;
    });
    const queued = ['other-1', 'other-2'].map((name) => gate.run('other', async () => void order.push(name)));
    const known = gate.run('known', async () => void order.push('known'));
    expect(gate.stats()).toEqual({ running: 1, queued: { known: 1, other: 2 } });
    first.resolve();
    await Promise.all([running, known, ...queued]);
    expect(order).toEqual(['first', 'known', 'other-1', 'other-2']);
    expect(gate.stats()).toEqual({ running: 0, queued: { known: 0, other: 0 } });
  });

  it('turns a check away when its lane is full, and keeps going after a failing check', async () => {
    const gate = createVerifyGate({ concurrency: 1, maxQueued: 1 });
    const first = deferred();
    const running = gate.run('other', () => first.promise.then(() => Promise.reject(new Error('scrypt failed'))));
    const waiting = gate.run('other', async () => 'second');
    await expect(gate.run('other', async () => 'third')).rejects.toBeInstanceOf(GateBusyError);
    // The known lane has its own room.
    const known = gate.run('known', async () => 'known');
    first.resolve();
    await expect(running).rejects.toThrow('scrypt failed');
    expect(await known).toBe('known');
    expect(await waiting).toBe('second');
  });

  it('keeps a slot for the known lane that other checks never take', async () => {
    const gate = createVerifyGate({ concurrency: 2 });
    const first = deferred();
    const others = [gate.run('other', () => first.promise), gate.run('other', async () => 'queued')];
    // One other check runs; the second waits although a slot is free: that slot is the known lane's.
    expect(gate.stats()).toEqual({ running: 1, queued: { known: 0, other: 1 } });
    expect(await gate.run('known', async () => 'straight in')).toBe('straight in');
    // While a known check runs, no further other check starts.
    const held = deferred();
    const known = gate.run('known', () => held.promise);
    first.resolve();
    await others[0];
    expect(gate.stats()).toEqual({ running: 1, queued: { known: 0, other: 1 } });
    held.resolve();
    await known;
    await Promise.all(others);
    expect(gate.stats()).toEqual({ running: 0, queued: { known: 0, other: 0 } });
  });

  it('a stream of known sign-ins (anyone may sign in with their own password) cannot starve every other check', async () => {
    const gate = createVerifyGate({ concurrency: 2 });
    const holds = Array.from({ length: 10 }, deferred);
    // Known checks keep both slots busy, one after another.
    const known = holds.map((h) => gate.run('known', () => h.promise));
    let otherRan = false;
    const other = gate.run('other', async () => void (otherRan = true));
    // Known checks go first, but only a few times: the other one runs before the known ones run out.
    let released = 0;
    while (!otherRan && released < holds.length) {
      holds[released]?.resolve();
      await known[released];
      released++;
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(otherRan).toBe(true);
    expect(released).toBeLessThan(holds.length);
    for (const h of holds) h.resolve();
    await Promise.all([other, ...known]);
  });

  it('refuses nonsense options', () => {
    expect(() => createVerifyGate({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createVerifyGate({ maxQueued: -1 })).toThrow(/maxQueued/);
    expect(() => createVerifyGate({ concurrency: 2, reservedForKnown: 2 })).toThrow(/reservedForKnown/);
  });
});
