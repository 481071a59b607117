/**
 * GET /api/v1/catalog: what the signed-in person may request, each resource with the policy that
 * applies to them (resolved the way a request would be: most restrictive wins, their manager on
 * the steps that name one), in fields and in plain words, and the typical time to approval
 * measured from the resource's history. The console caches the answer so it reads offline.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  catalogPolicy,
  catalogRulesAndWindows,
  catalogTicketChecks,
  checkEligibility,
  escalationInWords,
  policyInWords,
  resolvePolicy,
  typicalTimeToApproval,
  withManager,
  type CatalogEntry,
  type CatalogPolicy,
  type DirectoryUser,
} from '../../core/index.js';
import type { Store } from '../store/types.js';
import { principalOf } from './auth.js';

/** Approved requests a typical time is measured over, newest first: enough for a stable median, cheap per resource. */
const HISTORY_PER_RESOURCE = 200;

export function buildCatalog(store: Store, user: DirectoryUser, now: Date): CatalogEntry[] {
  const profiles = store.list('profiles');
  const policies = store.list('policies');
  const names = new Map<string, string>();
  const nameOf = (id: string) => {
    let name = names.get(id);
    if (name === undefined) names.set(id, (name = store.get('users', id)?.displayName ?? id));
    return name;
  };
  const groupNameOf = (id: string) => store.get('groups', id)?.displayName ?? id;
  return store
    .list('resources')
    .map((resource) => ({ resource, eligibility: checkEligibility(user, resource, profiles) }))
    .filter((entry) => entry.eligibility.ok)
    .map(({ resource, eligibility }) => {
      const bound = resource.policyIds.map((id) => policies.find((p) => p.id === id)).filter((p) => p !== undefined);
      const resolved = resolvePolicy(resource, policies);
      const profileCap = eligibility.ok ? eligibility.value.maxDurationMinutes : null;
      const defaultMinutes = bound.length > 0 ? Math.min(...bound.map((p) => p.defaultDurationMinutes)) : 60;
      let policy: CatalogPolicy | null = null;
      if (resolved.ok) {
        const own = withManager(resolved.value, policies, user.managerId);
        // An access profile may cap the duration below the policies' maximum, as createRequest does.
        policy = catalogPolicy({ ...own, maxDurationMinutes: Math.min(own.maxDurationMinutes, profileCap ?? Infinity) }, defaultMinutes, nameOf, (step) => escalationInWords(step, nameOf, groupNameOf), groupNameOf);
      }
      // Its auto-approval rules in words and its access windows (core/engine/auto-approval.ts).
      if (policy) policy = { ...policy, ...catalogRulesAndWindows(bound, groupNameOf) };
      // Who checks a ticket given (core/engine/ticket-check.ts).
      if (policy) policy = { ...policy, ...catalogTicketChecks(bound) };
      const history = store.list('requests', { where: { resourceId: resource.id }, status: 'approved', order: 'desc', limit: HISTORY_PER_RESOURCE });
      return {
        id: resource.id,
        name: resource.name,
        description: resource.description,
        kind: resource.kind,
        sensitivity: resource.sensitivity,
        maxDurationMinutes: policy?.maxDurationMinutes ?? 0,
        defaultDurationMinutes: policy?.defaultDurationMinutes ?? 0,
        requireJustification: policy?.requireJustification ?? true,
        requireTicket: policy?.requireTicket ?? false,
        policy,
        policyInWords: policy ? policyInWords(policy) : [],
        problem: resolved.ok ? null : resolved.message,
        typicalApproval: typicalTimeToApproval(history, now),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

const Step = z.object({ name: z.string(), mode: z.enum(['any', 'all']), approvers: z.array(z.string()), roles: z.array(z.string()), groups: z.array(z.string()).optional(), timeout: z.string() });
const Entry = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  kind: z.string(),
  sensitivity: z.string(),
  maxDurationMinutes: z.number(),
  defaultDurationMinutes: z.number(),
  requireJustification: z.boolean(),
  requireTicket: z.boolean(),
  policy: z
    .object({
      maxDurationMinutes: z.number(),
      defaultDurationMinutes: z.number(),
      requireJustification: z.boolean(),
      requireTicket: z.boolean(),
      autoApprove: z.boolean(),
      breakGlass: z.boolean(),
      maxExtensions: z.number(),
      requestTtlMinutes: z.number(),
      ticketFormats: z.array(z.object({ system: z.string(), pattern: z.string() })),
      ticketChecks: z.array(z.object({ host: z.string(), onUnknown: z.enum(['refuse', 'human']) })).optional(),
      requireMfa: z.boolean(),
      mfaFreshMinutes: z.number(),
      steps: z.array(Step),
      autoApprovalRules: z.array(z.string()).optional(),
      accessWindows: z.array(z.object({ days: z.array(z.string()), start: z.string(), end: z.string(), timeZone: z.string() })).optional(),
    })
    .nullable(),
  policyInWords: z.array(z.string()),
  problem: z.string().nullable(),
  typicalApproval: z.object({ medianMinutes: z.number(), samples: z.number(), windowDays: z.number() }).nullable(),
});

export function registerCatalogRoutes(root: FastifyInstance, deps: { store: Store; now: () => Date }): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get('/api/v1/catalog', {
    schema: {
      tags: ['requests'],
      summary: 'Resources the signed-in user is eligible to request, with the policy that applies to them (fields and plain words) and the typical time to approval',
      security: [{ bearerAuth: [] as string[] }],
      response: { 200: z.object({ resources: z.array(Entry), generatedAt: z.string() }) },
    },
    handler: async (request) => {
      const { user } = principalOf(request);
      const now = deps.now();
      return { resources: buildCatalog(deps.store, user, now), generatedAt: now.toISOString() };
    },
  });
}
