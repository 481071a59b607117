/** Secrets at rest: see ./crypto.ts (the format), ./key.ts (where the key comes from), ./connector-store.ts, ./rotate.ts. */
export { decryptSecret, encryptSecret, envelopeKeyId, isEnvelope, parseSecretKey, SecretIntegrityError, SecretKey, SecretKeyError } from './crypto.js';
export { demoSecretKey, KEY_FILE_VARIABLE, KEY_VARIABLE, loadSecretKey, readSecretKeyFile, secretKeyFromEnv, writeNewKeyFile } from './key.js';
export {
  CONNECTOR_CONFIG_MIGRATIONS,
  deleteConnectorConfig,
  importConnectorConfigs,
  importIntoDataDir,
  listStoredConnectors,
  loadConnectorConfigs,
  registerStoredConnectors,
  type ImportResult,
} from './connector-store.js';
export { ENCRYPTED_COLUMNS, rotateSecrets, type EncryptedColumn, type RotationResult } from './rotate.js';
