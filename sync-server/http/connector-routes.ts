/**
 * POST /api/v1/connectors/:id/test (admin): "Test connection". The server, not the console, talks
 * to the directory: each step in order (for AD: DNS, TCP, TLS, bind, base DN, rights on the groups
 * the resources use, TTL support), stopping at the first that fails, each said in words. A
 * connector without its own test answers with its health as one step.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectorDiagnosis } from '../../core/index.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Store } from '../store/types.js';
import { requireEndpoint } from './auth.js';
import { notFound } from './errors.js';

export type ConnectorRoutesDeps = { store: Store; registry?: ConnectorRegistry };

/** A test that has not finished by then reports the step it was on as failed. */
const TEST_TIMEOUT_MS = 60_000;
const secured = [{ bearerAuth: [] as string[] }];

const STEPS = ['config', 'dns', 'tcp', 'tls', 'bind', 'base_dn', 'rights', 'ttl', 'health'] as const;
const TestResponse = z.object({
  connectorId: z.string(),
  ok: z.boolean(),
  failedStep: z.enum(STEPS).optional(),
  summary: z.string(),
  steps: z.array(z.object({ step: z.enum(STEPS), ok: z.boolean(), detail: z.string() })),
});
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });

async function within(run: () => Promise<ConnectorDiagnosis>, timeoutMs: number): Promise<ConnectorDiagnosis> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ConnectorDiagnosis>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, failedStep: 'health', summary: `the test did not finish within ${timeoutMs / 1000} s`, steps: [] }), timeoutMs);
  });
  try {
    return await Promise.race([
      run().catch((error: unknown) => ({ ok: false, failedStep: 'health' as const, summary: error instanceof Error ? error.message : String(error), steps: [] })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerConnectorRoutes(root: FastifyInstance, deps: ConnectorRoutesDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post('/api/v1/connectors/:id/test', {
    schema: {
      tags: ['connectors'],
      summary: 'Test a connector\'s connection step by step, from the server (admin)',
      description: 'For AD: DNS, TCP, TLS (untrusted certificate, name mismatch), bind (bad credentials, locked or expired account), base DN, rights to change the members of each group its resources use, and TTL support. Stops at the first failed step.',
      security: secured,
      params: z.object({ id: z.string().max(128) }),
      response: { 200: TestResponse, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
    },
    handler: async (request) => {
      requireEndpoint(request, 'POST /api/v1/connectors/:id/test', 'testing a connector');
      const { id } = request.params;
      const connector = deps.registry?.get(id);
      if (!connector) throw notFound(`no connector is configured with id ${id}`);
      const resources = deps.store
        .list('resources')
        .filter((r) => r.connectorId === id && !r.archived)
        .map((r) => ({ id: r.id, kind: r.kind, connector: r.connector, connectorId: r.connectorId, target: r.target, name: r.name }));
      const result = await within(async () => {
        if (connector.diagnose) return await connector.diagnose(resources);
        const health = await connector.health();
        return { ok: health.ok, ...(health.ok ? {} : { failedStep: 'health' as const }), summary: health.detail, steps: [{ step: 'health' as const, ok: health.ok, detail: health.detail }] };
      }, TEST_TIMEOUT_MS);
      return { connectorId: id, ...result };
    },
  });
}
