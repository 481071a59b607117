/** Offboarding (docs/decisions/offboarding.md): the run (./offboard.ts), its record and progress, the signed webhook, the directory's signal. */
export { offboardPerson, offboardAlertId, WEBHOOK_ACTOR_ID, type OffboardInput, type OffboardOutcome, type OffboardingSource } from './offboard.js';
export { offboardingView, readOffboardingRecord, type OffboardingRecord, type OffboardingView } from './record.js';
export { onDirectoryDisabled, type DirectorySignal, type DirectorySignalOutcome } from './directory-signal.js';
export { handleOffboardWebhook, findPeople, OffboardWebhookBody } from './webhook.js';
export { deleteOffboardWebhookSecret, readOffboardWebhookSecret, setOffboardWebhookSecret, OFFBOARD_WEBHOOK_SECRET_CONTEXT } from './webhook-secret.js';
export {
  DEFAULT_OFFBOARDING_SETTINGS,
  OFFBOARDING_MIGRATIONS,
  offboardingSettingsFromEnv,
  readOffboardingSettings,
  writeOffboardingSettings,
  type DirectoryDisabledAction,
  type OffboardingSettings,
} from './migrations.js';
export { registerOffboardingRoutes } from './routes.js';
