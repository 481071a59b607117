/** Reads what an evidence pack needs from the local replica: no server is asked, so it works offline. */
import type { AccessRequest, Grant, Resource, Verification } from '../../../core/index.js';
import { readAuditEvents } from '../../db/audit-reader.js';
import type { JitDatabase } from '../../db/index.js';
import type { EvidenceData } from './evidence-model.js';

type Readable = 'requests' | 'grants' | 'verifications' | 'resources';

async function all<T>(db: JitDatabase, name: Readable): Promise<T[]> {
  // A collection this person's roles do not replicate is absent: the pack then says none.
  if (!(name in db.collections)) return [];
  const docs = await db.collections[name].find().exec();
  return docs.map((d) => d.toJSON() as T);
}

export async function readReplica(db: JitDatabase, signal?: AbortSignal): Promise<EvidenceData> {
  const requests = await all<AccessRequest>(db, 'requests');
  signal?.throwIfAborted();
  const grants = await all<Grant>(db, 'grants');
  signal?.throwIfAborted();
  const verifications = await all<Verification>(db, 'verifications');
  signal?.throwIfAborted();
  const audit = await readAuditEvents(db, signal);
  signal?.throwIfAborted();
  const resources = await all<Resource>(db, 'resources');
  return { requests, grants, verifications, audit, resources };
}
