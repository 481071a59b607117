export * from './types.js';
export { openStore, readAuditEvents, auditEventFromRow, StoreValidationError, STORE_FILE_NAME, type OpenStoreOptions } from './sqlite-store.js';
export { registerMigrations, CORE_MIGRATIONS } from './migrations.js';
