/** The ticket-check hook, server side: asking before a command (./checker.ts), the signed call (./call.ts, ./signature.ts), the secrets (./secret-store.ts). */
export { createTicketChecker, type TicketCheckBody, type TicketChecker, type TicketCheckerOptions } from './checker.js';
export { callTicketHook, createHookAgent, MAX_ANSWER_BYTES, readAnswer, type HookCall, type HookVerdict } from './call.js';
export { REPLAY_WINDOW_SECONDS, SIGNATURE_HEADER, signedHeaders, ticketCheckSignature, TIMESTAMP_HEADER, verifyTicketCheckSignature, type SignatureCheck } from './signature.js';
export {
  deleteTicketHookSecret,
  hasTicketHookSecret,
  listTicketHookSecrets,
  readTicketHookSecret,
  setTicketHookSecret,
  TICKET_HOOK_SECRET_LENGTH,
  TICKET_HOOK_SECRET_MIGRATIONS,
  ticketHookSecretContext,
} from './secret-store.js';
