// The environment `npm start` gives the server (scripts/start.mjs); tests start the server with it.
import path from 'node:path';

/**
 * `npm start`'s defaults over the caller's environment: the demo organisation, with its AD groups
 * served by a Samba DC on loopback where Samba can run (JIT_DEMO_SAMBA=0 keeps them on the manual
 * connector). The server listens without waiting for the DC; a first start provisions its domain
 * in the background, printing each step.
 */
export function startEnv(env, root) {
  return {
    ...env,
    JIT_DEMO: env.JIT_DEMO ?? '1',
    JIT_DEMO_SAMBA: env.JIT_DEMO_SAMBA ?? '1',
    JIT_PORT: env.JIT_PORT ?? '8787',
    JIT_DATA_DIR: env.JIT_DATA_DIR ?? path.join(root, 'data'),
    // A request log line per click drowns the accounts and URL; JIT_LOG_LEVEL=info brings it back.
    JIT_LOG_LEVEL: env.JIT_LOG_LEVEL ?? 'warn',
    // The desktop app's pages come from its own app://console origin; the server allows only that one.
    JIT_ALLOWED_ORIGINS: env.JIT_ALLOWED_ORIGINS ?? 'app://console',
  };
}
