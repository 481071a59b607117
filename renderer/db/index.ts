export { createJitDatabase, collectionSchema, prepareSchemas, ALL_COLLECTIONS, type JitDatabase, type JitCollections, type JitDatabaseOptions } from './database.js';
export { startReplication, prefetchFirstPages, pendingCommands$, SyncHttpError, type LoadingState, type LoadProgress, type ReplicationHandle, type ReplicationOptions, type ReplicationStatus } from './replication.js';
export { sendCommand, watchCommandResult, awaitCommandResult, newCommandId, type SendCommandInput } from './commands.js';
