import { CliError, EXIT, fromServerError, type ServerError } from './errors.js';

/** Calls the sync server's REST API; every error answer becomes a CliError naming the field. */
export class ApiClient {
  constructor(
    readonly server: string,
    private readonly token?: string,
  ) {}

  /**
   * `text` sends a body as it is (a YAML file) with its content type instead of JSON; `raw` answers
   * the response body as text (an exported file) instead of parsing it.
   */
  async call<T>(method: string, path: string, options: { body?: unknown; text?: { body: string; type: string }; raw?: boolean; flags?: Record<string, string> } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: options.raw ? '*/*' : 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.text) headers['content-type'] = options.text.type;
    const payload = options.text ? options.text.body : options.body !== undefined ? JSON.stringify(options.body) : undefined;
    let response: Response;
    try {
      // A redirect would resend the body (a password, a token) to wherever it points: refused.
      response = await fetch(`${this.server}${path}`, { method, headers, redirect: 'error', ...(payload !== undefined ? { body: payload } : {}) });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
      throw new CliError(EXIT.other, `cannot reach ${this.server}: ${cause}`, 'unreachable');
    }
    const text = await response.text();
    if (response.ok && options.raw) return text as T;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.ok) return body as T;
    const error = (body as { error?: ServerError } | undefined)?.error;
    if (response.status === 401) {
      throw new CliError(EXIT.unauthenticated, `${error?.message ?? 'not signed in'}; run jit login`, error?.code ?? 'unauthenticated');
    }
    if (response.status === 429) {
      const after = response.headers.get('retry-after');
      throw new CliError(EXIT.other, `${error?.message ?? 'too many attempts'}${after ? `; try again in ${after} s` : ''}`, 'throttled');
    }
    if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') {
      throw new CliError(EXIT.other, `the server answered ${response.status} ${response.statusText}`.trim(), 'http_error');
    }
    throw fromServerError(response.status, error, options.flags);
  }
}
