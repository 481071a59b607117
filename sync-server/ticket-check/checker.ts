/**
 * Asks the ticket-check hooks before a command is applied, outside any transaction: the routes that
 * receive commands (REST, sync push) await `answersFor` and hand the answers to the processor
 * (ApplyOptions.ticketChecks), whose use case decides with them through core's settleTicketCheck.
 * A hook is asked only for a new request (or a request for more time) that names a ticket, under a
 * policy with a hook, from someone eligible, with a ticket of the right form: anything else would be
 * refused anyway, and is not worth a call to another system.
 */
import { checkEligibility, checkTicket, CommandPayloads, Id, MAX_OPEN_REQUESTS_PER_PERSON, ticketFormatsOf, ticketHooksOf, type Resource, type TicketCheckHook, type TicketHookAnswer } from '../../core/index.js';
import { personNow } from '../commands/context.js';
import type { SecretKey } from '../secrets/crypto.js';
import type { Store } from '../store/types.js';
import { callTicketHook, createHookAgent, type HookCall, type HookVerdict } from './call.js';
import { readTicketHookSecret } from './secret-store.js';

export type TicketChecker = {
  /** The hooks' answers for this command from this sender; undefined when there is nothing to ask. Never throws. */
  answersFor(command: unknown, senderId: string): Promise<TicketHookAnswer[] | undefined>;
  close(): void;
};

export type TicketCheckerOptions = {
  store: Store;
  now: () => Date;
  /** Opens the hooks' secrets (stored encrypted: ./secret-store.ts). */
  secretKey?: SecretKey | undefined;
  /** A CA trusted beside the system's for hook calls (JIT_TICKET_HOOK_CA_FILE). */
  extraCaPem?: string | undefined;
};

/** What the hook is told: the ticket, what is asked for and by whom. Nothing else leaves the server. */
export type TicketCheckBody = {
  ticket: string;
  request: { kind: 'access' | 'more_time'; commandId: string };
  resource: { id: string; name: string };
  requester: { id: string; username: string };
  sentAt: string;
};

/** Hook calls one sender has running at once; the rest wait their turn (a push of many requests does not fan out). */
export const CALLS_PER_SENDER = 4;

type Subject = { resource: Resource; ticket: string; body: TicketCheckBody; hooks: TicketCheckHook[] };

const record = (value: unknown): Record<string, unknown> | null => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null);

/** The request a command would create, if it names a ticket a hook must be asked about. */
function subjectOf(store: Store, raw: unknown, senderId: string, now: Date): Subject | null {
  const command = record(raw);
  const payload = record(command?.payload);
  if (!command || !payload || !Id.safeParse(command.id).success) return null;
  const commandId = command.id as string;
  // A command seen before is answered with its first result: nothing to ask.
  if (store.get('commandResults', commandId)) return null;
  let resourceId: string;
  let ticket: string;
  let kind: TicketCheckBody['request']['kind'];
  // Only a payload the processor would take: nothing oversized or malformed reaches another system.
  if (command.type === 'request.create') {
    const parsed = CommandPayloads['request.create'].safeParse(payload);
    if (!parsed.success) return null;
    ({ resourceId, ticket } = parsed.data);
    kind = 'access';
  } else if (command.type === 'grant.extend') {
    const parsed = CommandPayloads['grant.extend'].safeParse(payload);
    const grant = parsed.success ? store.get('grants', parsed.data.grantId) : null;
    if (!grant || grant.userId !== senderId) return null;
    // More time is asked under the ticket the access was granted for (grant-extend.ts).
    ticket = store.get('requests', grant.requestId)?.ticket ?? '';
    resourceId = grant.resourceId;
    kind = 'more_time';
  } else return null;
  if (ticket.trim() === '') return null;
  const resource = store.get('resources', resourceId);
  if (!resource) return null;
  const policies = store.list('policies');
  const hooks = ticketHooksOf(resource.policyIds, policies);
  if (hooks.length === 0) return null;
  const bound = policies.filter((p) => resource.policyIds.includes(p.id));
  if (!checkTicket(ticketFormatsOf(bound), ticket).ok) return null;
  const person = personNow(store, senderId);
  if (!person || person.disabled || !checkEligibility(person, resource, store.list('profiles')).ok) return null;
  const trimmed = ticket.trim();
  return {
    resource,
    ticket: trimmed,
    hooks,
    body: {
      ticket: trimmed,
      request: { kind, commandId },
      resource: { id: resource.id, name: resource.name },
      requester: { id: person.id, username: person.username },
      sentAt: now.toISOString(),
    },
  };
}

export function createTicketChecker(options: TicketCheckerOptions & { call?: (call: HookCall) => Promise<HookVerdict> }): TicketChecker {
  const { store, now } = options;
  const agent = createHookAgent(options.extraCaPem);
  const call = options.call ?? callTicketHook;
  // Per sender: calls running, and the ones waiting for a turn.
  const lanes = new Map<string, { running: number; waiting: (() => void)[] }>();

  async function inLane<T>(senderId: string, work: () => Promise<T>): Promise<T | null> {
    let lane = lanes.get(senderId);
    if (!lane) lanes.set(senderId, (lane = { running: 0, waiting: [] }));
    // More than a person may have open: these would be refused anyway, and are not asked about.
    if (lane.waiting.length >= MAX_OPEN_REQUESTS_PER_PERSON) return null;
    if (lane.running >= CALLS_PER_SENDER) await new Promise<void>((resolve) => lane.waiting.push(resolve));
    lane.running++;
    try {
      return await work();
    } finally {
      lane.running--;
      const next = lane.waiting.shift();
      if (next) next();
      else if (lane.running === 0) lanes.delete(senderId);
    }
  }

  function secretOf(name: string): { secret: string } | { reason: string } {
    try {
      const secret = readTicketHookSecret(store, options.secretKey, name);
      return secret === null ? { reason: `not called: the server holds no ticket-hook secret named ${name}` } : { secret };
    } catch (error) {
      return { reason: `not called: the server cannot open ticket-hook secret ${name} (${error instanceof Error ? error.message.slice(0, 160) : 'unknown error'})` };
    }
  }

  async function ask(hook: TicketCheckHook, subject: Subject, senderId: string): Promise<TicketHookAnswer> {
    const secret = secretOf(hook.secretName);
    const verdict: HookVerdict =
      'secret' in secret
        ? ((await inLane(senderId, () => call({ url: hook.url, secret: secret.secret, timeoutMs: hook.timeoutSeconds * 1000, body: JSON.stringify(subject.body), now, agent }))) ?? {
            status: 'unknown',
            reason: `not called: more than ${MAX_OPEN_REQUESTS_PER_PERSON} ticket checks of this person's were already waiting`,
          })
        : { status: 'unknown', reason: secret.reason };
    return { url: hook.url, ticket: subject.ticket, status: verdict.status, reason: verdict.reason, checkedAt: now().toISOString() };
  }

  return {
    async answersFor(command, senderId) {
      let subject: Subject | null;
      try {
        subject = subjectOf(store, command, senderId, now());
      } catch {
        // A command the processor will refuse for its shape: nothing to ask.
        return undefined;
      }
      if (!subject) return undefined;
      const found = subject;
      return Promise.all(found.hooks.map((hook) => ask(hook, found, senderId)));
    },
    close() {
      agent.destroy();
    },
  };
}
