/**
 * An Entra connector pointed at the Graph stand-in, shared by the suites and the revocation bench:
 *
 *   const connector = standinEntraConnector(graph, { id: 'entra-test', verifyReadIntervalMs: 5 });
 *   const config = { id: 'entra-demo', ...standinEntraSettings(graph), maxRetryWaitMs: 0 };  // as JSON config
 */
import { EntraConnectorConfig, type EntraConnectorConfigInput } from '../../../sync-server/connectors/config.js';
import { EntraConnector, type EntraConnectorDeps } from '../../../sync-server/connectors/entra/index.js';
import type { GraphStandin } from '../../standins/graph/index.js';

/**
 * Where the stand-in is and how to sign in to it: its tenant, default app, token authority and
 * origin. With `trust: 'environment'` the CA is left out, for a process that already trusts it
 * (NODE_EXTRA_CA_CERTS) as a deployment would.
 */
export function standinEntraSettings(graph: GraphStandin, trust: 'config' | 'environment' = 'config') {
  return {
    kind: 'entra' as const,
    tenantId: graph.tenantId,
    clientId: graph.credentials.clientId,
    clientSecret: graph.credentials.clientSecret,
    authorityHost: graph.authorityHost,
    graphBaseUrl: graph.origin,
    disableInstanceDiscovery: true,
    ...(trust === 'config' ? { tlsCaPem: graph.caPem } : {}),
  };
}

/** A connector talking to the stand-in, with the suite's id and tuning on top of the settings above. */
export function standinEntraConnector(graph: GraphStandin, config: { id: string } & Partial<EntraConnectorConfigInput>, deps: EntraConnectorDeps = {}): EntraConnector {
  return new EntraConnector(EntraConnectorConfig.parse({ ...standinEntraSettings(graph), ...config }), deps);
}
