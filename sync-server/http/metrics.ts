import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** One registry per server instance, so several servers in one process (tests) do not collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'jit_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'jit_http_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    commands: new Counter({
      name: 'jit_commands_total',
      help: 'Commands applied or rejected, by type and status (replays counted as status "replayed")',
      labelNames: ['type', 'status'] as const,
      registers: [registry],
    }),
    replicationPulls: new Counter({
      name: 'jit_replication_pulls_total',
      help: 'Replication pulls by collection',
      labelNames: ['collection'] as const,
      registers: [registry],
    }),
    replicationPushRows: new Counter({
      name: 'jit_replication_push_rows_total',
      help: 'Pushed command rows',
      registers: [registry],
    }),
    sseClients: new Gauge({
      name: 'jit_sse_clients',
      help: 'Open replication streams',
      labelNames: ['collection'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
