import { APP_ORIGIN, serverOrigin } from './urls.js';

export type CspOptions = {
  /** The sync server the user signed in to; the only place the console may connect to. */
  serverUrl: string | null;
  /** Vite dev server in development: scripts, styles and HMR websocket come from it. */
  devServerUrl?: string | null;
};

/**
 * The console's Content-Security-Policy. connect-src names only the configured server (and the
 * page's own origin for its files), so a compromised page cannot send data anywhere else.
 */
export function buildCsp(options: CspOptions): string {
  const self = "'self'";
  const server = serverOrigin(options.serverUrl);
  const dev = serverOrigin(options.devServerUrl ?? null);
  const devWs = dev ? dev.replace(/^http/, 'ws') : null;

  const scriptSrc = [self, ...(dev ? [dev, "'unsafe-inline'"] : [])];
  const connectSrc = [self, ...(server ? [server] : []), ...(dev && devWs ? [dev, devWs] : [])];
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', scriptSrc],
    // Built CSS is a file. React's style props (virtualised rows' transforms) go through the CSSOM,
    // which CSP does not restrict; only Vite's dev server injects <style> elements.
    ['style-src', [self, ...(dev ? ["'unsafe-inline'"] : [])]],
    ['img-src', [self, 'data:', 'blob:']],
    ['font-src', [self]],
    ['connect-src', connectSrc],
    ['worker-src', [self, 'blob:']],
    ['frame-src', ["'none'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

export { APP_ORIGIN };
