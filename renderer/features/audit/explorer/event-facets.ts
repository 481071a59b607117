/**
 * What one audit event says about who and what it concerns, read from the event alone (and from
 * what earlier events said about its subject): the person it is about, the resource, the grant
 * whose story it belongs to, and the words of its free-text fields.
 */
import type { AuditEvent } from '../../../../core/index.js';

/** What earlier events taught about a request, a grant or a task: its person, resource and grant. */
export type SubjectFacts = { personId?: string; resourceId?: string; grantId?: string };

/** Who and what an event concerns beyond its actor and subject. */
export type EventFacets = {
  /** The person the event is about (a request's requester, a grant's holder, an account), when known. */
  personId: string | null;
  resourceId: string | null;
  /** The grant whose timeline this event belongs to (its request's events, its tasks, extensions). */
  grantId: string | null;
  /** Facts to remember about subjects for later events. */
  learned: Array<[string, SubjectFacts]>;
};

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * The facets of an event, given what is known of subjects so far (`known`) and what the replica
 * says of a subject (`lookup`, e.g. its grants and requests collections) when no event told.
 */
export function facetsOf(event: AuditEvent, known: (subjectId: string) => SubjectFacts | undefined): EventFacets {
  const data = event.data ?? {};
  const learned: Array<[string, SubjectFacts]> = [];
  const facts = known(event.subjectId);
  let personId: string | null = facts?.personId ?? null;
  let resourceId: string | null = str(data.resourceId) ?? facts?.resourceId ?? null;
  let grantId: string | null = facts?.grantId ?? null;

  switch (event.subjectType) {
    case 'request': {
      if (event.type === 'request.created') {
        personId = event.actorId;
        const extendsGrant = str(data.extendsGrantId);
        if (extendsGrant) grantId = extendsGrant;
        learned.push([event.subjectId, { personId, resourceId: resourceId ?? undefined, grantId: grantId ?? undefined }]);
      }
      break;
    }
    case 'grant': {
      grantId = event.subjectId;
      const holder = str(data.userId);
      if (holder) personId = holder;
      if (event.type === 'grant.created' || event.type === 'standing.converted' || !facts) {
        learned.push([event.subjectId, { personId: personId ?? undefined, resourceId: resourceId ?? undefined, grantId }]);
      }
      // The request that asked for it (or for more time on it) joins the grant's story.
      const requestId = str(data.requestId);
      if (requestId) learned.push([requestId, { ...known(requestId), personId: personId ?? undefined, resourceId: resourceId ?? undefined, grantId }]);
      break;
    }
    case 'task': {
      const taskGrant = str(data.grantId);
      if (taskGrant) {
        grantId = taskGrant;
        const grantFacts = known(taskGrant);
        personId ??= grantFacts?.personId ?? null;
        resourceId ??= grantFacts?.resourceId ?? null;
      }
      personId ??= str(data.assigneeId) ?? null;
      if (event.type === 'task.created') learned.push([event.subjectId, { personId: personId ?? undefined, resourceId: resourceId ?? undefined, grantId: grantId ?? undefined }]);
      break;
    }
    case 'account':
      personId = event.subjectId;
      break;
    case 'resource':
      resourceId = event.subjectId;
      break;
    default:
      personId ??= str(data.personId) ?? str(data.userId) ?? str(data.offboarding) ?? str(data.from) ?? null;
  }
  return { personId, resourceId, grantId, learned };
}

/** Data fields that are no words anyone searches for: digests, chain positions, network noise. */
const SKIPPED_FIELDS = new Set(['passwordDigest', 'prevHash', 'hash', 'after', 'before', 'change', 'widenings', 'extensions', 'policyIds']);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T/;
const HEX_DIGEST = /^[0-9a-f]{32,}$/i;
const MAX_FIELD = 240;

/** The free-text strings of an event's data: top-level strings and arrays of strings, capped. */
export function textFieldsOf(data: Record<string, unknown> | undefined): string[] {
  if (!data) return [];
  const out: string[] = [];
  const take = (value: unknown) => {
    if (typeof value !== 'string' || value.length === 0 || ISO_TIME.test(value) || HEX_DIGEST.test(value)) return;
    out.push(value.length > MAX_FIELD ? value.slice(0, MAX_FIELD) : value);
  };
  for (const key in data) {
    if (SKIPPED_FIELDS.has(key)) continue;
    const value = data[key];
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length && i < 20; i++) take(value[i]);
    } else take(value);
  }
  return out;
}

const NON_ASCII = /[^ -~\t\n\r]/;
const COMBINING = /[\u0300-\u036f]/g;
/** Separators between words; `-`, `_`, `.`, `@`, `:` and `/` join the parts of an id, a ticket or an address. */
const WORD_SPLIT = /[^\p{L}\p{N}\-_.@:/]+/u;
const PART_SPLIT = /[-_.@:/]+/;

/** Lower case, accents folded ("Zoë" finds "zoe"). */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  return NON_ASCII.test(lower) ? lower.normalize('NFKD').replace(COMBINING, '') : lower;
}

/**
 * The tokens a text is found by: each word whole ("chg-10042") and each of its parts ("chg",
 * "10042"), lower-cased. A query's words go through the same function.
 */
export function tokenize(text: string, into: Set<string> = new Set()): Set<string> {
  for (const raw of foldCase(text).split(WORD_SPLIT)) {
    const word = raw.replace(/^[-_.@:/]+|[-_.@:/]+$/g, '');
    if (!word) continue;
    into.add(word);
    if (PART_SPLIT.test(word)) for (const part of word.split(PART_SPLIT)) if (part) into.add(part);
  }
  return into;
}

/** The query's words, each whole (no parts: "chg-10042" must match as typed). */
export function queryWords(text: string): string[] {
  return [...new Set(foldCase(text).split(WORD_SPLIT).map((w) => w.replace(/^[-_.@:/]+|[-_.@:/]+$/g, '')).filter(Boolean))];
}
