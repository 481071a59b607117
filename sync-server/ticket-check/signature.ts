/**
 * How a ticket-check call is signed, and how a receiver checks it (docs/decisions/ticket-check-hook.md):
 * the server's one signing format (../signing/signature.ts), under the names the hook has always used.
 * `verifyTicketCheckSignature` is the receiver's side, used by the test receiver and fit to copy.
 */
export {
  hmacSignature as ticketCheckSignature,
  REPLAY_WINDOW_SECONDS,
  SIGNATURE_HEADER,
  signedHeaders,
  TIMESTAMP_HEADER,
  verifySignature as verifyTicketCheckSignature,
} from '../signing/signature.js';

/** A receiver's verdict; the server's own check also says which kind of refusal (`code`). */
export type SignatureCheck = { ok: true } | { ok: false; reason: string; code?: string };
