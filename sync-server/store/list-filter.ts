/** The SQL of a list/count filter over the documents table, and the index that serves it. */
import type { CollectionName } from '../../core/index.js';
import type { ListFilter } from './types.js';

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The expression of the documents_step_due index, written the same way so the planner can use it. */
const STEP_DUE = "json_extract(doc, '$.stepDueAt')";

/** Field indexes from the migrations, by the JSON field they cover. */
const FIELD_INDEXES: Record<string, string> = {
  requesterId: 'documents_requester',
  userId: 'documents_user',
  grantId: 'documents_grant',
  resourceId: 'documents_resource',
};

/**
 * The narrow index to name: statistics only hold averages, so the planner would otherwise walk the
 * (collection, seq) index over the whole collection to find a handful of active grants.
 */
export function indexFor(filter: ListFilter): string | undefined {
  if (filter.stepDueAtOrBefore !== undefined) return 'documents_step_due';
  if (filter.status !== undefined || filter.expiresAtOrBefore !== undefined) return 'documents_status_expiry';
  for (const [field, value] of Object.entries(filter.where ?? {})) {
    if (value !== null && FIELD_INDEXES[field]) return FIELD_INDEXES[field];
  }
  return undefined;
}

/** `documents` or `documents INDEXED BY <the filter's index>`. */
export function fromClause(filter: ListFilter): string {
  const index = indexFor(filter);
  return index ? `documents INDEXED BY ${index}` : 'documents';
}

export function filterSql(collection: CollectionName, filter: ListFilter): { sql: string; params: unknown[] } {
  const clauses = ['collection = ?'];
  const params: unknown[] = [collection];
  if (!filter.includeDeleted) clauses.push('deleted = 0');
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === 'string' ? [filter.status] : [...filter.status];
    if (statuses.length === 0) clauses.push('0');
    else {
      clauses.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      params.push(...statuses);
    }
  }
  if (filter.expiresAtOrBefore !== undefined) {
    clauses.push('expires_at IS NOT NULL AND expires_at <= ?');
    params.push(filter.expiresAtOrBefore);
  }
  if (filter.stepDueAtOrBefore !== undefined) {
    clauses.push(`${STEP_DUE} IS NOT NULL AND ${STEP_DUE} <= ?`);
    params.push(filter.stepDueAtOrBefore);
  }
  for (const [field, value] of Object.entries(filter.where ?? {})) {
    // Field names are inlined (not bound) so SQLite can use the expression indexes.
    if (!FIELD_NAME.test(field)) throw new Error(`list filter: "${field}" is not a field name`);
    const expr = `json_extract(doc, '$.${field}')`;
    if (value === null) clauses.push(`${expr} IS NULL`);
    else {
      clauses.push(`${expr} = ?`);
      params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    }
  }
  return { sql: clauses.join(' AND '), params };
}
