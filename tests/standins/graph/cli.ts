import { startGraphStandin } from './index.js';

/** Starts the stand-in and prints its URLs and test credentials as one JSON line. */
function parseArgs(argv: string[]): { port: number; seed: number; caPath?: string; demo: boolean; lagMs?: number } {
  const out: { port: number; seed: number; caPath?: string; demo: boolean; lagMs?: number } = { port: 0, seed: 1, demo: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${String(arg)} needs a value`);
      return v;
    };
    const integer = (text: string, name: string): number => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${text}`);
      return n;
    };
    if (arg === '--port') out.port = integer(value(), '--port');
    else if (arg === '--seed') out.seed = integer(value(), '--seed');
    else if (arg === '--ca-path') out.caPath = value();
    else if (arg === '--demo') out.demo = true;
    else if (arg === '--lag-ms') out.lagMs = integer(value(), '--lag-ms');
    else throw new Error(`unknown argument ${String(arg)}; use --port N --seed N --ca-path FILE --demo --lag-ms N`);
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const standin = await startGraphStandin({
  port: args.port,
  seed: args.seed,
  demo: args.demo,
  ...(args.caPath ? { caPath: args.caPath } : {}),
  ...(args.lagMs !== undefined ? { replicationLag: { minMs: 0, maxMs: args.lagMs } } : {}),
});
process.stdout.write(
  `${JSON.stringify({
    baseUrl: standin.baseUrl,
    authorityHost: standin.authorityHost,
    origin: standin.origin,
    tokenUrl: standin.tokenUrl,
    port: standin.port,
    tenantId: standin.tenantId,
    clientId: standin.credentials.clientId,
    clientSecret: standin.credentials.clientSecret,
    caPath: standin.caPath ?? null,
  })}\n`,
);
const stop = (): void => {
  standin.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
