/**
 * Every export the console makes leaves an event: once the file is saved, its record (what, how many
 * rows, the SHA-256 of the bytes saved, when) goes into the outbox as an `export.record` command, like
 * a decision, offline too; the server records it as `export.made` when it syncs (core/engine/exports.ts).
 */
import { useCallback } from 'react';
import type { z } from 'zod';
import { mayExport, type ExportKind, type ExportRecord } from '../../../core/index.js';
import { sha256Hex } from '../../../core/evidence/manifest.js';
import { sendCommand } from '../../db/index.js';
import { rolesOf, useSession } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';

/** What a call site knows: the record less the file's hash, which is taken from the bytes saved. */
export type ExportMade = Omit<z.input<typeof ExportRecord>, 'sha256'> & { content: string | Uint8Array };

/** The bytes a saved file holds: strings are saved as UTF-8. */
export const fileBytes = (content: string | Uint8Array): Uint8Array => (typeof content === 'string' ? new TextEncoder().encode(content) : content);

export function exportPayload(made: ExportMade): z.input<typeof ExportRecord> {
  const { content, ...record } = made;
  return { ...record, sha256: sha256Hex(fileBytes(content)) };
}

/** May this person make this export (the button is shown only then; the server checks again). */
export function useMayExport(kind: ExportKind): boolean {
  const { user } = useSession();
  return mayExport(rolesOf(user), kind);
}

/** Records an export made and saved; a failure to queue it is said, the file stays saved. */
export function useRecordExport(): (made: ExportMade) => Promise<void> {
  const { db, user } = useSession();
  const toasts = useToasts();
  return useCallback(
    async (made: ExportMade) => {
      try {
        await sendCommand(db, { type: 'export.record', actorId: user.id, payload: exportPayload(made) });
      } catch (error) {
        toasts.push({ tone: 'danger', title: 'The export was saved but not recorded', body: error instanceof Error ? error.message : String(error) });
      }
    },
    [db, user.id, toasts],
  );
}
