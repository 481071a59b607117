import type { MigrationSet } from '../store/types.js';

/**
 * The directory sync's server-only tables. `directory_sync_state` holds, per source, where the
 * next page starts (a Graph nextLink or deltaLink, an LDAP uSNChanged marker) and the report of
 * the run under way, written in the same transaction as each page's people, so a restarted server
 * carries on from the last page it applied. Never edit a shipped step; append a new one.
 */
export const DIRECTORY_SYNC_MIGRATIONS: MigrationSet = {
  name: 'directory-sync',
  steps: [
    `CREATE TABLE directory_sync_state (
       connector_id TEXT PRIMARY KEY,
       run_id TEXT,
       cursor TEXT NOT NULL DEFAULT '{}',
       report TEXT NOT NULL DEFAULT '{}',
       started_at TEXT,
       updated_at TEXT NOT NULL
     );
     CREATE TABLE directory_sync_runs (
       id TEXT PRIMARY KEY,
       connector_id TEXT NOT NULL,
       started_at TEXT NOT NULL,
       finished_at TEXT NOT NULL,
       status TEXT NOT NULL CHECK (status IN ('completed', 'failed')),
       report TEXT NOT NULL
     );
     CREATE INDEX directory_sync_runs_connector ON directory_sync_runs (connector_id, finished_at);
     CREATE TABLE directory_objects (
       connector_id TEXT NOT NULL,
       object_id TEXT NOT NULL,
       person_id TEXT NOT NULL,
       manager_object_id TEXT,
       manager_pending INTEGER NOT NULL DEFAULT 0,
       removed INTEGER NOT NULL DEFAULT 0,
       PRIMARY KEY (connector_id, object_id)
     ) WITHOUT ROWID;
     CREATE INDEX directory_objects_pending ON directory_objects (connector_id, manager_pending);
     CREATE TABLE directory_memberships (
       connector_id TEXT NOT NULL,
       group_object_id TEXT NOT NULL,
       member_object_id TEXT NOT NULL,
       PRIMARY KEY (connector_id, group_object_id, member_object_id)
     ) WITHOUT ROWID;
     CREATE TABLE directory_groups_touched (
       connector_id TEXT NOT NULL,
       group_object_id TEXT NOT NULL,
       display_name TEXT NOT NULL,
       description TEXT NOT NULL,
       PRIMARY KEY (connector_id, group_object_id)
     ) WITHOUT ROWID;`,
    // Service principals listed in the round under way: one known before and not listed is gone.
    `CREATE TABLE directory_services_seen (
       connector_id TEXT NOT NULL,
       object_id TEXT NOT NULL,
       PRIMARY KEY (connector_id, object_id)
     ) WITHOUT ROWID;`,
  ],
};
