/**
 * Small answers of the REST API a screen needs offline too (the catalog), kept next to the
 * account's replica: under the account's prefix, so signing out removes them with the replica.
 * Bounded per entry; what cannot be stored (quota, private mode) is simply not cached.
 */
const ROOT = 'jit.offline:';
const MAX_ENTRY_CHARS = 2_000_000;

export type Cached<T> = { value: T; savedAt: string };

const keyOf = (accountPrefix: string, name: string) => `${ROOT}${accountPrefix}:${name}`;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function readCached<T>(accountPrefix: string, name: string): Cached<T> | null {
  const raw = storage()?.getItem(keyOf(accountPrefix, name));
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Cached<T>;
    return parsed && typeof parsed.savedAt === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

export function writeCached<T>(accountPrefix: string, name: string, value: T, now = new Date()): void {
  const text = JSON.stringify({ value, savedAt: now.toISOString() } satisfies Cached<T>);
  if (text.length > MAX_ENTRY_CHARS) return;
  try {
    storage()?.setItem(keyOf(accountPrefix, name), text);
  } catch {
    // Quota or a private window: the screen still works online.
  }
}

/** Everything cached for this account (on sign-out, with its replica). */
export function clearCached(accountPrefix: string): void {
  const store = storage();
  if (!store) return;
  const prefix = `${ROOT}${accountPrefix}:`;
  const keys: string[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (key?.startsWith(prefix)) keys.push(key);
  }
  for (const key of keys) store.removeItem(key);
}
