/**
 * Intents: the only writes a client makes. A command lands in the local `commands` collection at
 * once (offline too), replication pushes it, and the server's verdict comes back as a
 * CommandResult with the same id.
 */
import { filter, firstValueFrom, map, take, timeout, type Observable } from 'rxjs';
import type { z } from 'zod';
import { Command, CommandPayloads, CommandResult, Id, type CommandType } from '../../core/index.js';
import type { JitDatabase } from './database.js';

export type SendCommandInput<T extends CommandType> = {
  type: T;
  /** Checked against the command's payload schema here, so a mistake fails before it is queued. */
  payload: z.input<(typeof CommandPayloads)[T]>;
  actorId: string;
  /** The revision of the request or grant the user saw when deciding. */
  baseRevision?: number | null;
};

/** Writes the command locally and returns its id. Throws an Error naming the field when the input is invalid. */
export async function sendCommand<T extends CommandType>(db: JitDatabase, input: SendCommandInput<T>): Promise<string> {
  const schema = CommandPayloads[input.type as CommandType];
  if (!schema) throw new Error(`type: unknown command type "${String(input.type)}"`);
  const payload = schema.safeParse(input.payload);
  if (!payload.success) {
    const issue = payload.error.issues[0];
    throw new Error(`payload.${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const actor = Id.safeParse(input.actorId);
  if (!actor.success) throw new Error(`actorId: ${actor.error.issues[0]?.message ?? 'invalid'}`);

  const command = Command.parse({
    id: newCommandId(),
    type: input.type,
    actorId: actor.data,
    payload: payload.data,
    createdAt: new Date().toISOString(),
    baseRevision: input.baseRevision ?? null,
  });
  await db.commands.insert(command);
  return command.id;
}

/** Emits the command's result once it has arrived (at once if it is already here), then completes. */
export function watchCommandResult(db: JitDatabase, commandId: string): Observable<CommandResult> {
  return db.commandResults.findOne(commandId).$.pipe(
    filter((doc) => doc !== null),
    map((doc) => doc.toMutableJSON() as CommandResult),
    take(1),
  );
}

/** The result as a promise; rejects after timeoutMs (default: wait forever). */
export function awaitCommandResult(db: JitDatabase, commandId: string, timeoutMs?: number): Promise<CommandResult> {
  const result$ = watchCommandResult(db, commandId);
  if (timeoutMs === undefined) return firstValueFrom(result$);
  const late = () => {
    throw new Error(`no result for command ${commandId} within ${timeoutMs} ms`);
  };
  return firstValueFrom(result$.pipe(timeout({ first: timeoutMs, with: late })));
}

/**
 * `cmd-` + a random UUID. crypto.randomUUID exists only in secure contexts (https, localhost);
 * the web console may be served over plain http on a LAN, where getRandomValues still works.
 */
export function newCommandId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return `cmd-${c.randomUUID()}`;
  const bytes = c.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `cmd-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
