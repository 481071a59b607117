/** The signed-in session of `jit` and the terminal it talks to. */
import { createInterface } from 'node:readline/promises';
import { ApiClient } from './client.js';
import { readCredentials, type Credentials } from './credentials.js';
import { CliError, EXIT } from './errors.js';
import { usage } from './output.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8787';

export function signedIn(): { client: ApiClient; credentials: Credentials } {
  const credentials = readCredentials();
  if (!credentials) throw new CliError(EXIT.unauthenticated, 'not signed in: run jit login', 'unauthenticated');
  if (Date.parse(credentials.expiresAt) <= Date.now()) {
    throw new CliError(EXIT.unauthenticated, `your session ended at ${credentials.expiresAt}: run jit login`, 'unauthenticated');
  }
  return { client: new ApiClient(credentials.server, credentials.token), credentials };
}

export function serverUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage('--server', `"${text}" is not a URL (for example ${DEFAULT_SERVER})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage('--server', `must start with http:// or https://, not ${url.protocol}`);
  return url.toString().replace(/\/+$/, '');
}

export const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\./.test(host);

/** Reads a line from the terminal without echoing it. */
export function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          return resolve(value);
        }
        if (ch === '\u0003') {
          finish();
          return reject(new CliError(EXIT.other, 'interrupted', 'interrupted'));
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    stdin.on('data', onData);
  });
}

export async function askLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(prompt)).trim();
  } finally {
    rl.close();
  }
}

/** The first line piped to standard input (`echo 123456 | jit step-up`); empty when nothing was. */
export async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 1024) break;
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}
