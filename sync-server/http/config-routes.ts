/**
 * Policy as code over REST:
 *
 *   GET  /api/v1/config/export   the whole configuration as a YAML file (text/yaml)
 *   POST /api/v1/config/diff     a YAML file -> what importing it would change and what would happen, as JSON; nothing is applied
 *   POST /api/v1/config/import   a YAML file -> applied at once (200), proposed for a second person (202) or refused (the error)
 *
 * Both POSTs take the file as the body (text/yaml, application/yaml or text/plain, at most 1 MB
 * like every body), `?prune=1` to archive resources and disable profiles the file leaves out, and
 * the import `?base=<baseHash>` from the diff, so what is applied is what was reviewed. The
 * import is the command config.import (sync-server/commands/config-import.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CommandResult, configAsOf, configOf, ProposalEffect, type ConfigDocument } from '../../core/index.js';
import { configToYaml, parseConfigYaml, problemText, withLine } from '../../core/config/yaml.js';
import { diffSummary } from '../commands/config-import.js';
import { planImport } from '../commands/config-import-plan.js';
import { personNow } from '../commands/context.js';
import type { CommandProcessor } from '../commands/processor.js';
import type { Store } from '../store/types.js';
import { requireEndpoint } from './auth.js';
import { ApiError, commandErrorBody, statusForCode } from './errors.js';

export type ConfigRoutesDeps = { store: Store; processor: CommandProcessor; now: () => Date };

/** Like every other body (app.ts). */
const BODY_LIMIT = 1024 * 1024;
const YAML_TYPES = new Set(['text/yaml', 'application/yaml', 'application/x-yaml', 'text/x-yaml', 'text/plain']);
const secured = [{ bearerAuth: [] as string[] }];
const MAX_PROBLEMS_SHOWN = 5;

const FieldChange = z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional(), added: z.array(z.unknown()).optional(), removed: z.array(z.unknown()).optional() });
const EntityRef = z.object({ kind: z.enum(['policy', 'resource', 'profile']), id: z.string(), name: z.string() });
const DiffView = z.object({
  added: z.array(EntityRef),
  changed: z.array(EntityRef.extend({ fields: z.array(FieldChange) })),
  removed: z.array(EntityRef.extend({ becomes: z.enum(['archived', 'disabled']).nullable(), refused: z.string().optional() })),
  unchanged: z.number().int(),
});
const Outcome = z.object({ status: z.enum(['unchanged', 'apply', 'propose', 'refused']), code: z.string().optional(), message: z.string().optional() });
const DiffResponse = z.object({
  /** Send it back as ?base= on the import: it is refused as stale if the configuration has changed since. */
  baseHash: z.string(),
  summary: z.string(),
  outcome: Outcome,
  diff: DiffView,
  widenings: z.array(EntityRef.extend({ widenings: z.array(z.string()) })),
  effect: ProposalEffect.nullable(),
});
const ImportResponse = z.object({
  outcome: z.enum(['applied', 'unchanged', 'proposed']),
  summary: z.string(),
  proposalId: z.string().optional(),
  result: CommandResult,
  diff: DiffView,
});
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }), result: CommandResult.optional() });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 415: ErrorBody, 422: ErrorBody };
const Query = z.object({
  prune: z.enum(['0', '1', 'true', 'false']).optional(),
  base: z.string().regex(/^[0-9a-f]{64}$/, 'must be the baseHash a diff answered').optional(),
});

/** The file in the body, read as YAML and checked by the config schemas; 400 naming the path and the line otherwise. */
function fileOf(request: FastifyRequest): { text: string; config: ConfigDocument } {
  const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!YAML_TYPES.has(type)) throw new ApiError(415, 'invalid_input', `content-type: ${type.slice(0, 100) || 'none'} is not accepted; send the configuration file as text/yaml`, 'content-type');
  const text = typeof request.body === 'string' ? request.body : '';
  if (text.trim() === '') throw new ApiError(400, 'invalid_input', 'body: is empty; send the configuration file (GET /api/v1/config/export gives one)', 'body');
  const parsed = parseConfigYaml(text);
  if (!parsed.ok) {
    const shown = parsed.problems.slice(0, MAX_PROBLEMS_SHOWN).map(problemText).join('; ');
    const more = parsed.problems.length > MAX_PROBLEMS_SHOWN ? `; and ${parsed.problems.length - MAX_PROBLEMS_SHOWN} more` : '';
    throw new ApiError(400, 'invalid_input', `${shown}${more}`, parsed.problems[0]?.path);
  }
  return { text, config: parsed.value };
}

const pruneOf = (query: z.infer<typeof Query>) => query.prune === '1' || query.prune === 'true';

export function registerConfigRoutes(root: FastifyInstance, deps: ConfigRoutesDeps): void {
  const { store, processor, now } = deps;
  // Its own scope: the YAML body parser (every content type reaches the handler as text, which
  // then names the one it wants) stays with these routes.
  void root.register(async (scope) => {
    scope.removeContentTypeParser(['application/json', 'text/plain']);
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
    const app = scope.withTypeProvider<ZodTypeProvider>();

    app.get('/api/v1/config/export', {
      schema: {
        tags: ['config'],
        summary: 'The whole configuration as a YAML file (policy_admin, auditor, admin)',
        description: 'Access policies, resources and access profiles, each kind by id; no secrets, no connector settings, no changedBy or updatedAt. Answered as text/yaml.',
        security: secured,
      },
      handler: async (request, reply) => {
        const principal = requireEndpoint(request, 'GET /api/v1/config/export', 'exporting the configuration');
        const state = { policies: store.list('policies'), resources: store.list('resources'), profiles: store.list('profiles') };
        const text = configToYaml(configOf(state), { server: `${request.protocol}://${request.host}`, asOf: configAsOf(state) });
        // Exports leave an event: this one is made here, so the server records it as it answers (the console's own exports send export.record).
        const at = now().toISOString();
        const rows = state.policies.length + state.resources.length + state.profiles.length;
        const data = { kind: 'config_file', fileName: 'jit-config.yaml', madeAt: at, rows, sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
        store.tx(() => store.appendAudit({ type: 'export.made', actorId: principal.account.id, subjectType: 'export', subjectId: `exp-config-${randomUUID()}`, data, at }));
        return reply.type('text/yaml; charset=utf-8').send(text);
      },
    });

    app.post('/api/v1/config/diff', {
      schema: {
        tags: ['config'],
        summary: 'What importing this YAML file would change, and whether it would apply, be proposed or be refused; nothing is applied (policy_admin, admin)',
        security: secured,
        querystring: Query,
        response: { 200: DiffResponse, ...errors },
      },
      handler: async (request) => {
        const principal = requireEndpoint(request, 'POST /api/v1/config/diff', 'comparing a configuration file');
        const { text, config } = fileOf(request);
        const importer = personNow(store, principal.account.id) ?? principal.user;
        const plan = planImport(config, { prune: pruneOf(request.query) }, { store, now: now(), importer, bootstrap: false });
        const outcome = plan.outcome.status === 'refused' ? { ...plan.outcome, message: withLine(text, plan.outcome.message) } : plan.outcome;
        return { baseHash: plan.baseHash, summary: diffSummary(plan.diff), outcome, diff: plan.diff, widenings: plan.widenings, effect: plan.effect };
      },
    });

    app.post('/api/v1/config/import', {
      schema: {
        tags: ['config'],
        summary: 'Import this YAML file as one command (config.import), all or nothing (policy_admin, admin)',
        description:
          'Applied at once when nothing widens access: 200. Anything that widens access makes the whole import one proposal for another policy admin or admin: 202. Refused (a removal without ?prune=1, a widening of your own access, the configuration changed since ?base=): the error with the command result.',
        security: secured,
        querystring: Query,
        response: { 200: ImportResponse, 202: ImportResponse, ...errors },
      },
      handler: async (request, reply) => {
        const principal = requireEndpoint(request, 'POST /api/v1/config/import', 'importing a configuration');
        const { text, config } = fileOf(request);
        const prune = pruneOf(request.query);
        const importer = personNow(store, principal.account.id) ?? principal.user;
        // The diff answered is the one applied: without ?base=, the import is held to the configuration this diff read.
        const plan = planImport(config, { prune }, { store, now: now(), importer, bootstrap: false });
        const { policies, resources, profiles } = config;
        const actorId = principal.account.id;
        const result = processor.apply(
          { id: `cmd-${randomUUID()}`, type: 'config.import', actorId, payload: { config: { policies, resources, profiles }, prune, baseHash: request.query.base ?? plan.baseHash }, createdAt: now().toISOString() },
          { authenticatedActorId: actorId },
        );
        if (result.status !== 'applied') {
          const body = commandErrorBody(result);
          return reply.code(statusForCode(result.code)).send({ ...body, error: { ...body.error, message: withLine(text, body.error.message) } });
        }
        // The command was held to this plan's baseHash: it did what the plan says.
        const proposalId = plan.outcome.status === 'propose' ? result.subjectIds[0] : undefined;
        const outcome = proposalId ? 'proposed' : plan.outcome.status === 'unchanged' ? 'unchanged' : 'applied';
        return reply.code(proposalId ? 202 : 200).send({ outcome, summary: diffSummary(plan.diff), ...(proposalId ? { proposalId } : {}), result, diff: plan.diff });
      },
    });
  });
}
