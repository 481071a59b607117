export * from './config.js';
export * from './registry.js';
export { ManualConnector } from './manual.js';
export { EntraConnector, BATCH_LIMIT } from './entra/index.js';
export { AdConnector } from './ad/index.js';
export { TokenBucket } from './rate-limiter.js';
