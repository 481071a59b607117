/**
 * Who an ID token is: the configured claim (Entra's `oid` by default) compared with one field of
 * the directory's people, then that person's console account. Nothing is created: a person the
 * console does not know, or knows twice, is refused (docs/decisions/single-sign-on.md).
 */
import type { DirectoryUser } from '../../core/index.js';
import type { AccountRecord, Store } from '../store/types.js';
import type { SsoSettings } from './settings.js';

export type PersonMatch =
  | { ok: true; account: AccountRecord; user: DirectoryUser; value: string }
  | { ok: false; reason: 'missing_claim' | 'unverified_email' | 'unknown_person' | 'ambiguous_person' | 'no_account' | 'disabled'; value: string | null };

/** JSON paths of the person's fields a claim may be matched with (a fixed list: never from input). */
const FIELD_PATH = { entra: '$.externalIds.entra', username: '$.username', email: '$.email' } as const;

export function matchPerson(store: Store, settings: Pick<SsoSettings, 'claim' | 'matchOn'>, claims: Record<string, unknown>): PersonMatch {
  const raw = claims[settings.claim];
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'missing_claim', value: null };
  const value = raw.trim();
  // An address the provider has not verified names whoever typed it.
  if (settings.claim === 'email' && claims.email_verified !== true) return { ok: false, reason: 'unverified_email', value };
  // Object ids, usernames and addresses compare without case (Entra writes GUIDs either way).
  const ids = store.db
    .prepare(`SELECT id FROM documents WHERE collection = 'users' AND deleted = 0 AND lower(json_extract(doc, '${FIELD_PATH[settings.matchOn]}')) = lower(?) LIMIT 2`)
    .pluck()
    .all(value) as string[];
  if (ids.length === 0) return { ok: false, reason: 'unknown_person', value };
  if (ids.length > 1) return { ok: false, reason: 'ambiguous_person', value };
  const id = ids[0] as string;
  const user = store.get('users', id);
  const account = store.getAccount(id);
  if (!user || !account) return { ok: false, reason: 'no_account', value };
  if (account.disabledAt !== null || user.disabled) return { ok: false, reason: 'disabled', value };
  return { ok: true, account, user, value };
}
