/** The archive seals' guards: created by RETENTION_MIGRATIONS (retention.ts), restored at start by guards.ts. */
export const ARCHIVE_TRIGGERS: Record<string, string> = {
  audit_archives_no_update: `CREATE TRIGGER audit_archives_no_update BEFORE UPDATE ON audit_archives
       BEGIN SELECT RAISE(ABORT, 'audit archive seals are append-only'); END`,
  audit_archives_no_delete: `CREATE TRIGGER audit_archives_no_delete BEFORE DELETE ON audit_archives
       BEGIN SELECT RAISE(ABORT, 'audit archive seals are append-only'); END`,
};
