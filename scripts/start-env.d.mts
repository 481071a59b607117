/** The environment `npm start` gives the server: the caller's, with the demo's defaults (start-env.mjs). */
export function startEnv(env: Record<string, string | undefined>, root: string): Record<string, string | undefined> & { JIT_DEMO: string; JIT_DEMO_SAMBA: string; JIT_PORT: string; JIT_DATA_DIR: string };
