/**
 * export.record: an export the console made from its replica (evidence pack, requests CSV, review
 * evidence CSV) is recorded as `export.made` when the command syncs: who made it (the sender), when
 * (madeAt, the device's time; the event's own time is the server's), what (kind, period or filter,
 * campaign run), how many rows and the hash of the file as saved (and of the pack's manifest).
 * Refused for a role that may not make that export (core/engine/exports.ts), naming it. A madeAt
 * ahead of the server's clock is recorded as sent, with how far ahead it is.
 */
import { checkExportRecord, err, EXPORT_WORDS, madeAtAheadMs, ok } from '../../core/index.js';
import type { UseCase } from './context.js';

export const exportRecord: UseCase<'export.record'> = (payload, ctx) => {
  const checked = checkExportRecord(payload, { displayName: ctx.actor.displayName, roles: ctx.actor.roles });
  if (!checked.ok) return checked;
  if (payload.campaignId && !ctx.store.get('reviews', payload.campaignId)) return err('not_found', `campaign ${payload.campaignId} does not exist`);
  const exportId = `exp-${ctx.command.id}`;
  // A device clock ahead of the server's: recorded as made, and the record says by how much.
  const ahead = madeAtAheadMs(payload, ctx.now);
  ctx.audit('export.made', 'export', exportId, { ...payload, commandId: ctx.command.id, ...(ahead === null ? {} : { madeAtAheadOfServerMs: ahead }) });
  return ok({ message: `${EXPORT_WORDS[payload.kind]} ${payload.fileName} recorded: ${payload.rows} rows, made ${payload.madeAt}`, subjectIds: [] });
};
