/**
 * "Test connection" (POST /api/v1/connectors/:id/test, admin): the server tries the connector step
 * by step and says which step failed, in words. This side only asks and shows the answer.
 */
import { z } from 'zod';
import { ApiError, requestJson } from '../../session/api-client.js';

const Step = z.object({ step: z.string(), ok: z.boolean(), detail: z.string() });
export const TestAnswer = z.object({ connectorId: z.string(), ok: z.boolean(), failedStep: z.string().optional(), summary: z.string(), steps: z.array(Step) });
export type TestAnswer = z.infer<typeof TestAnswer>;

const STEP_LABELS: Record<string, string> = {
  config: 'Configuration',
  dns: 'DNS',
  tcp: 'TCP connection',
  tls: 'TLS',
  bind: 'Sign-in (bind)',
  base_dn: 'Base DN',
  rights: 'Rights on the groups',
  ttl: 'Time-bound memberships',
  health: 'Health',
};

export const stepLabel = (step: string): string => STEP_LABELS[step] ?? step;

/** Whether these roles may run the test (the server checks again). */
export const mayTestConnectors = (roles: readonly string[]): boolean => roles.includes('admin');

export async function testConnection(serverUrl: string, token: string, connectorId: string, fetchImpl?: typeof fetch): Promise<TestAnswer> {
  const { status, body } = await requestJson(serverUrl, `/api/v1/connectors/${encodeURIComponent(connectorId)}/test`, {
    method: 'POST',
    token,
    fetch: fetchImpl,
    unreachable: `Could not reach ${serverUrl}: the server runs the connection test, so it needs a connection.`,
  });
  const parsed = TestAnswer.safeParse(body);
  if (!parsed.success) throw new ApiError(status, 'unexpected_answer', 'The server\'s test result is not in the expected shape.');
  return parsed.data;
}
