import type { Connector } from '../../core/index.js';
import { describeConfig, parseConnectorConfig, type ConnectorConfig, type ConnectorDescription } from './config.js';
import { AdConnector, type AdConnectorDeps } from './ad/index.js';
import { EntraConnector, type EntraConnectorDeps } from './entra/index.js';
import { ManualConnector } from './manual.js';

export type ConnectorFactoryDeps = { entra?: EntraConnectorDeps; ad?: AdConnectorDeps };

/** The one place a config kind becomes an implementation. */
const FACTORIES: { [K in ConnectorConfig['kind']]: (config: Extract<ConnectorConfig, { kind: K }>, deps: ConnectorFactoryDeps) => Connector & { close?(): void } } = {
  entra: (config, deps) => new EntraConnector(config, deps.entra ?? {}),
  ad: (config, deps) => new AdConnector(config, deps.ad ?? {}),
  manual: (config) => new ManualConnector(config),
};

type Entry = { connector: Connector & { close?(): void }; description: ConnectorDescription };

/** Configured connector instances by id (`entra-demo`, `manual-apps`...). */
export class ConnectorRegistry {
  private readonly entries = new Map<string, Entry>();

  /** Adds a connector; an id can be registered once. */
  register(connector: Connector & { close?(): void }, description?: ConnectorDescription): void {
    if (this.entries.has(connector.id)) throw new Error(`connector id ${connector.id} is registered twice`);
    this.entries.set(connector.id, {
      connector,
      description: description ?? { id: connector.id, kind: connector.kind, displayName: connector.id, settings: {} },
    });
  }

  /** Builds and registers a connector from a config (validated here; bad input names the field). */
  add(input: unknown, deps: ConnectorFactoryDeps = {}): Connector {
    const config = parseConnectorConfig(input);
    if (this.entries.has(config.id)) throw new Error(`connector id ${config.id} is registered twice`);
    const connector = config.kind === 'entra' ? FACTORIES.entra(config, deps) : config.kind === 'ad' ? FACTORIES.ad(config, deps) : FACTORIES.manual(config, deps);
    this.register(connector, describeConfig(config));
    return connector;
  }

  get(id: string): Connector | undefined {
    return this.entries.get(id)?.connector;
  }

  /** The connector for an id, or an error that says which id is unknown. */
  require(id: string): Connector {
    const connector = this.get(id);
    if (!connector) throw new Error(`no connector is configured with id ${id}`);
    return connector;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** For the console's connector view: configuration with secrets redacted. */
  describe(): ConnectorDescription[] {
    return [...this.entries.values()].map((e) => e.description);
  }

  async health(): Promise<(ConnectorDescription & { ok: boolean; detail: string })[]> {
    return await Promise.all(
      [...this.entries.values()].map(async ({ connector, description }) => {
        try {
          return { ...description, ...(await connector.health()) };
        } catch (error) {
          return { ...description, ok: false, detail: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }

  close(): void {
    for (const { connector } of this.entries.values()) connector.close?.();
  }
}

export function createConnectorRegistry(configs: unknown[], deps: ConnectorFactoryDeps = {}): ConnectorRegistry {
  if (!Array.isArray(configs)) throw new Error('connectors must be an array of connector configs');
  const registry = new ConnectorRegistry();
  for (const config of configs) registry.add(config, deps);
  return registry;
}
