import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveAppFile } from './security/urls.js';

/** Types for the files Vite emits; anything else is served as opaque bytes (and nosniff keeps it so). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type AppProtocolOptions = {
  /** The built renderer folder (out/renderer); nothing outside it is ever served. */
  rendererRoot: string;
  /** Computed per response: the policy names the server configured at that moment. */
  contentSecurityPolicy(): string;
};

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

/**
 * The app:// handler. It reads files itself instead of forwarding to file:// so that the checks are
 * all here: the URL must map inside the renderer folder (resolveAppFile refuses `..`, encoded
 * separators and other hosts), and the real path after symlinks must still be inside it. Every
 * response carries the console's Content-Security-Policy.
 */
export function createAppProtocolHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } });
    const relative = resolveAppFile(request.url);
    if (!relative) return notFound();
    let root: string;
    let file: string;
    try {
      root = await realpath(options.rendererRoot);
      file = await realpath(path.join(root, relative));
    } catch {
      return notFound();
    }
    // Defence in depth: a symlink inside the folder must not lead out of it.
    if (!file.startsWith(root + path.sep)) return notFound();
    try {
      if (!(await stat(file)).isFile()) return notFound();
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': contentTypeOf(file),
          'Content-Security-Policy': options.contentSecurityPolicy(),
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
        },
      });
    } catch {
      return notFound();
    }
  };
}
