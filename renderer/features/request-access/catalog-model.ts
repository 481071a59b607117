/**
 * The requester's catalog: what they may request, from the server (which alone knows eligibility
 * for every role), kept on this device so it reads offline, refreshed whenever the replica sees
 * the configuration change. The request itself is a command like any other: queued offline.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import {
  formatDuration,
  NAMED_TICKET_FORMATS,
  parseDuration,
  requestFieldProblems,
  type AccessRequest,
  type CatalogEntry,
  type Grant,
  type RequestFields,
} from '../../../core/index.js';
import { requestJson } from '../../session/api-client.js';
import { sentence } from '../../ui/ui.js';
import { useConsoleData } from '../../session/console-data.js';
import { readCached, writeCached } from '../../session/offline-cache.js';
import { accountPrefix } from '../../session/replica.js';
import { useSession } from '../../session/session.js';

export type CatalogAnswer = { resources: CatalogEntry[]; generatedAt: string };

export async function fetchCatalog(serverUrl: string, token: string): Promise<CatalogAnswer> {
  const { body } = await requestJson(serverUrl, '/api/v1/catalog', { token, unreachable: 'The server cannot be reached: the catalog shown is the one kept on this device.' });
  return body as CatalogAnswer;
}

export type CatalogState = {
  entries: readonly CatalogEntry[];
  /** When the server built the catalog shown. */
  generatedAt: string | null;
  /** The catalog shown is the copy kept on this device (the server could not be asked). */
  fromDevice: boolean;
  loading: boolean;
  error: Error | null;
  /** Ask the server again (Retry). */
  retry(): void;
  /** A request to the server is running. */
  fetching: boolean;
};

export function useCatalog(): CatalogState {
  const { serverUrl, token, user } = useSession();
  const { resources, policies } = useConsoleData();
  const prefix = accountPrefix(serverUrl, user.id);
  // A configuration change the replica receives asks the server again: eligibility or a policy may have changed.
  const configVersion = useMemo(() => {
    let latest = '';
    for (const doc of [...resources.values(), ...policies.values()]) if (doc.updatedAt > latest) latest = doc.updatedAt;
    return `${resources.size}:${policies.size}:${latest}`;
  }, [resources, policies]);
  const cached = useMemo(() => readCached<CatalogAnswer>(prefix, 'catalog'), [prefix]);
  const query = useQuery<CatalogAnswer, Error>({
    queryKey: ['catalog', serverUrl, user.id, configVersion],
    queryFn: async () => {
      const answer = await fetchCatalog(serverUrl, token);
      writeCached(prefix, 'catalog', answer);
      return answer;
    },
    retry: 1,
    placeholderData: (previous) => previous,
  });
  const answer = query.data ?? cached?.value ?? null;
  return {
    entries: answer?.resources ?? [],
    generatedAt: answer?.generatedAt ?? null,
    fromDevice: !query.data && Boolean(cached),
    loading: query.isPending && !cached,
    error: query.error,
    retry: () => void query.refetch(),
    fetching: query.isFetching,
  };
}

/** Search over name, description and kind: every word must match. */
export function filterCatalog(entries: readonly CatalogEntry[], search: string): CatalogEntry[] {
  const words = search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...entries];
  return entries.filter((e) => {
    const text = `${e.name} ${e.description} ${e.kind} ${e.sensitivity}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** Quick picks for the duration, up to the maximum; the recommended one is always among them. */
export function durationChoices(maxMinutes: number, recommended: number): number[] {
  const picks = new Set([30, 60, 120, 240, 480, 24 * 60].filter((m) => m <= maxMinutes));
  if (recommended >= 1 && recommended <= maxMinutes) picks.add(recommended);
  if (picks.size === 0 && maxMinutes >= 1) picks.add(maxMinutes);
  return [...picks].sort((a, b) => a - b);
}

/** "2h", "1h30m", "1d": what the duration field shows for a number of minutes (parseDuration reads it back). */
export function durationText(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].join('') || '0m';
}

export type FormDraft = { duration: string; justification: string; ticket: string };
export type FormProblems = Partial<Record<'duration' | 'justification' | 'ticket', string>>;

const FIELD_OF: Record<keyof RequestFields, keyof FormProblems> = { durationMinutes: 'duration', justification: 'justification', ticket: 'ticket' };

/** The same checks the server applies (core requestFieldProblems), worded for the form's fields. */
export function checkDraft(entry: CatalogEntry, draft: FormDraft): { problems: FormProblems; fields: RequestFields | null; minutes: number | null } {
  const problems: FormProblems = {};
  const policy = entry.policy;
  if (!policy) return { problems: { duration: entry.problem ?? `${entry.name} cannot be requested now` }, fields: null, minutes: null };
  const parsed = parseDuration(draft.duration);
  if (!parsed.ok) problems.duration = `Duration ${parsed.message}`;
  const fields: RequestFields = { durationMinutes: parsed.ok ? parsed.minutes : 1, justification: draft.justification, ticket: draft.ticket };
  for (const problem of requestFieldProblems(policy, fields, entry.name)) {
    const field = FIELD_OF[problem.field];
    if (field === 'duration' && !parsed.ok) continue;
    problems[field] =
      problem.code === 'duration_exceeds_policy'
        ? `At most ${formatDuration(policy.maxDurationMinutes)} for ${entry.name}`
        : problem.code === 'justification_required'
          ? 'Say why you need this access: the approvers read it'
          : problem.code === 'ticket_required'
            ? `${entry.name} needs a ticket reference (the change or incident this work is for)`
            : sentence(problem.message.replace(/^\w+: /, ''));
  }
  return { problems, fields: Object.keys(problems).length === 0 ? fields : null, minutes: parsed.ok ? parsed.minutes : null };
}

export type AlreadyHeld = { kind: 'grant'; grant: Grant } | { kind: 'request'; request: AccessRequest } | null;

/** Whether the person already holds this access, or has asked for it and is waiting: the form says so before they ask twice. */
export function alreadyHeld(resourceId: string, grants: readonly Grant[], pending: readonly AccessRequest[]): AlreadyHeld {
  const grant = grants.find((g) => g.resourceId === resourceId);
  if (grant) return { kind: 'grant', grant };
  const request = pending.find((r) => r.resourceId === resourceId && !r.extendsGrantId);
  return request ? { kind: 'request', request } : null;
}

/** An example of the ticket form the policy asks for, for the field's placeholder. */
export function ticketExample(entry: CatalogEntry): string {
  const form = entry.policy?.ticketFormats[0];
  if (form && (form.system === 'jira' || form.system === 'servicenow')) return `e.g. ${NAMED_TICKET_FORMATS[form.system].example}`;
  if (form?.system === 'custom') return `matching ${form.pattern}`;
  return 'e.g. INC0012345 or OPS-142';
}

/** A client-chosen request id (request.create allows one), so the console can follow the request before it syncs. */
export function newRequestId(): string {
  return `req-${crypto.randomUUID()}`;
}
