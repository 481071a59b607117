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

/** JSON paths of the person's plain fields a claim may be matched with (a fixed list: never from input). */
const FIELD_PATH = { username: '$.username', email: '$.email' } as const;

/**
 * `entraKeys`: the keys of `externalIds` that hold an Entra object id: `entra`, and the id of each
 * configured Entra connector (the directory sync writes a person's object id under its connector's id).
 */
export function matchPerson(store: Store, settings: Pick<SsoSettings, 'claim' | 'matchOn'>, claims: Record<string, unknown>, entraKeys: readonly string[] = []): PersonMatch {
  const raw = claims[settings.claim];
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'missing_claim', value: null };
  const value = raw.trim();
  // An address the provider has not verified names whoever typed it.
  if (settings.claim === 'email' && claims.email_verified !== true) return { ok: false, reason: 'unverified_email', value };
  // Object ids, usernames and addresses compare without case (Entra writes GUIDs either way).
  const keys = [...new Set(['entra', ...entraKeys])];
  const ids = (
    settings.matchOn === 'entra'
      ? store.db
          .prepare(
            `SELECT DISTINCT d.id FROM documents d, json_each(d.doc, '$.externalIds') e
             WHERE d.collection = 'users' AND d.deleted = 0 AND e.key IN (${keys.map(() => '?').join(', ')}) AND lower(e.value) = lower(?) LIMIT 2`,
          )
          .pluck()
          .all(...keys, value)
      : store.db.prepare(`SELECT id FROM documents WHERE collection = 'users' AND deleted = 0 AND lower(json_extract(doc, '${FIELD_PATH[settings.matchOn]}')) = lower(?) LIMIT 2`).pluck().all(value)
  ) as string[];
  if (ids.length === 0) return { ok: false, reason: 'unknown_person', value };
  if (ids.length > 1) return { ok: false, reason: 'ambiguous_person', value };
  const id = ids[0] as string;
  const user = store.get('users', id);
  const account = store.getAccount(id);
  if (!user || !account) return { ok: false, reason: 'no_account', value };
  if (account.disabledAt !== null || user.disabled) return { ok: false, reason: 'disabled', value };
  return { ok: true, account, user, value };
}
