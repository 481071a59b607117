import type { MigrationSet, Store } from '../store/types.js';

/** Server-only tables of offboarding (never replicated). Never edit a shipped step; append a new one. */
export const OFFBOARDING_MIGRATIONS: MigrationSet = {
  name: 'offboarding',
  steps: [
    // One row per person offboarded: what the runs ended and moved, for the progress view.
    `CREATE TABLE offboardings (
       person_id TEXT PRIMARY KEY,
       source TEXT NOT NULL,
       actor_id TEXT NOT NULL,
       fallback_id TEXT,
       reason TEXT NOT NULL,
       grant_ids TEXT NOT NULL,
       requests_cancelled TEXT NOT NULL,
       reassigned TEXT NOT NULL,
       sessions_ended INTEGER NOT NULL,
       runs INTEGER NOT NULL,
       started_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     );`,
    // The webhook's shared secret, encrypted (../secrets/crypto.ts); one only.
    `CREATE TABLE offboard_webhook_secret (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       secret TEXT NOT NULL,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     );`,
    // Signatures of calls taken inside the replay window: the same call twice is a replay.
    `CREATE TABLE offboard_webhook_seen (
       signature TEXT PRIMARY KEY,
       seen_at TEXT NOT NULL
     );`,
    // The server's settings (JIT_OFFBOARD_*), written at start: the fallback and what a directory-disabled person raises.
    `CREATE TABLE offboarding_settings (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       fallback_id TEXT,
       on_directory_disabled TEXT NOT NULL
     );`,
    // Refused calls (stale or replayed) by why: audited once per replay window, the others only counted here.
    `CREATE TABLE offboard_webhook_refusals (
       why TEXT PRIMARY KEY,
       audited_at TEXT NOT NULL,
       suppressed INTEGER NOT NULL DEFAULT 0
     );`,
    // What offboarding left for admins (a service identity with no owner, review items nobody can decide), each with its alert.
    `ALTER TABLE offboardings ADD COLUMN follow_ups TEXT NOT NULL DEFAULT '[]';`,
  ],
};

/** The last step's column: present, every step is applied. */
const TABLE_EXISTS = "SELECT 1 FROM pragma_table_info('offboardings') WHERE name = 'follow_ups'";

/** Applies the tables where they are missing (a processor built without the server, the secrets CLI). */
export function ensureOffboardingTables(store: Store): void {
  if (store.db.prepare(TABLE_EXISTS).get() === undefined) store.applyMigrations(OFFBOARDING_MIGRATIONS);
}

/** What a person the directory sync sees disabled or removed raises: an "offboard?" task for admins, or offboarding at once. */
export type DirectoryDisabledAction = 'alert' | 'offboard';

export type OffboardingSettings = {
  /** Who takes over the duties of a person offboarded without a fallback named (a person's id). */
  fallbackId: string | null;
  onDirectoryDisabled: DirectoryDisabledAction;
};

export const DEFAULT_OFFBOARDING_SETTINGS: OffboardingSettings = { fallbackId: null, onDirectoryDisabled: 'alert' };

export function writeOffboardingSettings(store: Store, settings: OffboardingSettings): void {
  ensureOffboardingTables(store);
  store.db
    .prepare('INSERT INTO offboarding_settings (id, fallback_id, on_directory_disabled) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET fallback_id = excluded.fallback_id, on_directory_disabled = excluded.on_directory_disabled')
    .run(settings.fallbackId, settings.onDirectoryDisabled);
}

export function readOffboardingSettings(store: Store): OffboardingSettings {
  ensureOffboardingTables(store);
  const row = store.db.prepare('SELECT fallback_id, on_directory_disabled FROM offboarding_settings WHERE id = 1').get() as { fallback_id: string | null; on_directory_disabled: string } | undefined;
  if (!row) return DEFAULT_OFFBOARDING_SETTINGS;
  return { fallbackId: row.fallback_id, onDirectoryDisabled: row.on_directory_disabled === 'offboard' ? 'offboard' : 'alert' };
}

/** JIT_OFFBOARD_FALLBACK (a person's id) and JIT_OFFBOARD_ON_DIRECTORY_DISABLED (alert, the default, or offboard). */
export function offboardingSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OffboardingSettings {
  const action = env.JIT_OFFBOARD_ON_DIRECTORY_DISABLED ?? 'alert';
  if (action !== 'alert' && action !== 'offboard') throw new Error(`JIT_OFFBOARD_ON_DIRECTORY_DISABLED must be alert or offboard, got "${action}"`);
  return { fallbackId: env.JIT_OFFBOARD_FALLBACK?.trim() || null, onDirectoryDisabled: action };
}
