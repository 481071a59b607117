import { z } from 'zod';
import { AuditReplicaDoc } from '../audit/blocks.js';
import { Command, CommandResult } from '../schema/command.js';
import { DirectoryGroup, DirectoryUser } from '../schema/directory.js';
import { Grant } from '../schema/grant.js';
import { AccessPolicy, AccessProfile } from '../schema/policy.js';
import { Proposal } from '../schema/proposal.js';
import { AccessRequest } from '../schema/request.js';
import { Resource } from '../schema/resource.js';
import { ReviewDocument, type ReviewDoc } from '../schema/review.js';
import { Task, Verification } from '../schema/task.js';

/**
 * Replication protocol between the console's RxDB replica and the sync server.
 * Paths: /sync/v{PROTOCOL_VERSION}/{collection}/pull|push|stream, and one multiplexed live stream
 * for many collections at /sync/v{PROTOCOL_VERSION}/stream?collections=a,b,c.
 */
export const PROTOCOL_VERSION = 1;

/** Closed list of reasons a client and server cannot talk. */
export const IncompatibilityReason = z.enum(['client_too_old', 'server_too_old', 'invalid_record', 'forbidden', 'unknown_collection']);
export type IncompatibilityReason = z.infer<typeof IncompatibilityReason>;

/**
 * Every replicated collection and its schema. Keep well under RxDB's open-source limit of
 * about 14 open collections. Only `commands` accepts pushes; the rest are authoritative.
 */
export const COLLECTIONS = {
  users: { schema: DirectoryUser, primaryKey: 'id', indexes: ['username'], push: false },
  groups: { schema: DirectoryGroup, primaryKey: 'id', indexes: [], push: false },
  resources: { schema: Resource, primaryKey: 'id', indexes: ['name'], push: false },
  policies: { schema: AccessPolicy, primaryKey: 'id', indexes: [], push: false },
  profiles: { schema: AccessProfile, primaryKey: 'id', indexes: [], push: false },
  proposals: { schema: Proposal, primaryKey: 'id', indexes: ['status'], push: false },
  requests: { schema: AccessRequest, primaryKey: 'id', indexes: ['status', 'createdAt', 'requesterId', 'resourceId'], push: false },
  grants: { schema: Grant, primaryKey: 'id', indexes: ['status', 'expiresAt', 'userId', 'requestId'], push: false },
  tasks: { schema: Task, primaryKey: 'id', indexes: ['status'], push: false },
  verifications: { schema: Verification, primaryKey: 'id', indexes: ['grantId'], push: false },
  /** Events one by one, or (for readers of every event) sealed blocks of them plus the open tail: core/audit/blocks.ts. */
  audit: { schema: AuditReplicaDoc, primaryKey: 'id', indexes: ['seq', 'subjectId'], push: false },
  commands: { schema: Command, primaryKey: 'id', indexes: ['createdAt'], push: true },
  commandResults: { schema: CommandResult, primaryKey: 'id', indexes: ['appliedAt'], push: false },
  /** Access reviews: campaigns and their review items in one collection, told apart by `kind` (core/schema/review.ts). */
  reviews: { schema: ReviewDocument, primaryKey: 'id', indexes: ['kind', 'campaignId'], push: false },
} as const;

export type CollectionName = keyof typeof COLLECTIONS;
export const CollectionName = z.enum(Object.keys(COLLECTIONS) as [CollectionName, ...CollectionName[]]);
/** A review document is one kind or the other; the collection's flat schema holds either (core/schema/review.ts). */
export type CollectionDoc<C extends CollectionName> = C extends 'reviews' ? ReviewDoc : z.infer<(typeof COLLECTIONS)[C]['schema']>;

/** The server's monotonically increasing sequence; id breaks no ties (seq is unique) but keeps RxDB's shape. */
export const Checkpoint = z.object({ seq: z.number().int().min(0), id: z.string() });
export type Checkpoint = z.infer<typeof Checkpoint>;

/** A replicated document on the wire: the entity plus RxDB's deletion flag. */
export type WireDoc<T> = T & { _deleted: boolean };

export const PullQuery = z.object({
  /** Absent on the first pull. */
  seq: z.coerce.number().int().min(0).default(0),
  id: z.string().max(256).default(''),
  batchSize: z.coerce.number().int().min(1).max(5000).default(500),
});

/**
 * `view` names what the reader may see (their roles and relations; sync-server/http/sync-view.ts).
 * A replica whose data was pulled under another view drops it and pulls again from the start.
 * `remaining`, when present, is how many more documents a pull after this answer's checkpoint
 * would send at this moment (exact; absent where the server would have to filter them all to
 * know): a replica loading from scratch shows "3,000 of 10,000" with it, never as a final count.
 */
export type PullResponse<T = unknown> = { documents: WireDoc<T>[]; checkpoint: Checkpoint; view?: string; remaining?: number };

export const PushRow = z.object({
  assumedMasterState: z.unknown().nullable().optional(),
  newDocumentState: z.record(z.string(), z.unknown()),
});
export const PushRequest = z.array(PushRow).max(1000);
/** Push answers with the conflicting documents in their server state, as RxDB expects. */
export type PushResponse<T = unknown> = WireDoc<T>[];

/**
 * Stream messages (Server-Sent Events `data:` JSON): only the documents the reader may see. When
 * what they may see changes (a role change, a new eligibility) the server ends the stream; the
 * client reconnects, pulls, and finds the new view.
 */
export type StreamMessage<T = unknown> = { documents: WireDoc<T>[]; checkpoint: Checkpoint } | 'RESYNC';

/**
 * The multiplexed stream's messages (Server-Sent Events `data:` JSON): the documents one commit
 * wrote to one collection, tagged with it, or `"RESYNC"`, which applies to every collection on the
 * stream (sent right after connecting). One connection carries all of a client's collections, so a
 * browser's six connections per host are not spent on live updates.
 */
export type MultiplexedStreamMessage<T = unknown> = { collection: CollectionName; documents: WireDoc<T>[]; checkpoint: Checkpoint } | 'RESYNC';

export type IncompatibleAnswer = { error: { code: 'unsupported_protocol'; reason: IncompatibilityReason; message: string; serverVersion: number } };

export function syncPath(collection: CollectionName, op: 'pull' | 'push' | 'stream'): string {
  return `/sync/v${PROTOCOL_VERSION}/${collection}/${op}`;
}

/** The multiplexed live stream of these collections (comma-separated; names need no escaping). */
export function syncStreamPath(collections: readonly CollectionName[]): string {
  return `/sync/v${PROTOCOL_VERSION}/stream?collections=${collections.join(',')}`;
}
