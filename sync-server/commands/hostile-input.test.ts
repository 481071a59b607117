import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { MAX_PAYLOAD_DEPTH, nestingDepth, printable } from './hostile-input.js';
import { createCommandProcessor, type CommandProcessor } from './processor.js';

const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('nestingDepth', () => {
  it('counts levels without recursion, even a hundred thousand deep', () => {
    expect(nestingDepth(1)).toBe(0);
    expect(nestingDepth({})).toBe(1);
    expect(nestingDepth({ a: [1, { b: [] }] })).toBe(4);
    expect(nestingDepth(nested(100_000))).toBe(100_000);
    expect(nestingDepth(nested(100_000), 65)).toBe(65);
  });
});

describe('printable', () => {
  it('writes controls, bidi and zero-width characters and lone surrogates as visible escapes', () => {
    expect(printable('a\u0000b\u202Ec\u200Bd\ud800e\udfff')).toBe('a\\u{0}b\\u{202e}c\\u{200b}d\\u{d800}e\\u{dfff}');
    expect(printable('Zoë 👩‍👩‍👧 𝕏')).toBe('Zoë 👩‍👩‍👧 𝕏');
    // Soft hyphen, Arabic letter mark, Mongolian vowel separator, a tag character.
    expect(printable('a\u00adb\u061cc\u180ed\udb40\udc41e')).toBe('a\\u{ad}b\\u{61c}c\\u{180e}d\\u{e0041}e');
  });
});

describe('a rejected command with a hostile payload', () => {
  let dir: string;
  let store: Store;
  let processor: CommandProcessor;
  const at = '2030-03-04T10:00:00.000Z';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jit-hostile-'));
    store = openStore({ dataDir: dir });
    processor = createCommandProcessor({ store, now: () => new Date(at) });
    store.createAccount({ id: 'u-ann', username: 'ann', passwordHash: 'unused', roles: ['approver'], createdAt: at });
    store.put('users', { id: 'u-ann', username: 'ann', displayName: 'Ann', roles: ['approver'], updatedAt: at });
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is recorded with its payload summarised when it nests too deep to serialise or store (was a 500)', () => {
    for (const depth of [1_500, 50_000]) {
      const id = `deep-${depth}`;
      const result = processor.apply({ id, type: 'request.approve', actorId: 'u-ann', payload: { x: nested(depth) }, createdAt: at }, { authenticatedActorId: 'u-ann' });
      expect(result).toMatchObject({ status: 'rejected', code: 'invalid_input' });
      expect(store.get('commands', id)?.payload).toEqual({ omitted: `the rejected payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels and is not kept` });
    }
  });

  it('keeps no invisible characters from an unknown key in the stored message', () => {
    const result = processor.apply({ id: 'bidi-key', type: 'request.approve', actorId: 'u-ann', payload: { requestId: 'r-1', '\u202Eevil\u0000': 1 }, createdAt: at }, { authenticatedActorId: 'u-ann' });
    expect(result.message).toBe('payload.\\u{202e}evil\\u{0}: is not a known field');
    expect(store.get('commandResults', 'bidi-key')?.message).toBe(result.message);
  });
});
