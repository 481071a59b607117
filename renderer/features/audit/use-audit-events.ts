import type { AuditEvent } from '../../../core/index.js';
import { auditEvents$, type AuditQuery } from '../../db/audit-reader.js';
import { useObservable, type LiveState } from '../../lib/use-rx.js';
import { useSession } from '../../session/session.js';

/** Live audit events from the local replica (renderer/db/audit-reader.ts): by subject, or the latest N. */
export function useAuditEvents(query: AuditQuery): LiveState<AuditEvent[]> {
  const { db } = useSession();
  const key = `${query.subjectIds?.join('|') ?? ''}#${query.latest ?? ''}`;
  return useObservable(() => auditEvents$(db, query), [] as AuditEvent[], [db, key]);
}
