/**
 * `jit login --sso`: single sign-on from a terminal, as the desktop app does it (RFC 8252): the
 * system browser opens the provider, which sends it back to a listener on 127.0.0.1 for this one
 * sign-in (main/sso-loopback.ts, plain Node). The browser is $BROWSER when set, else the platform's
 * opener; the address is printed too, for a browser opened by hand on the same machine.
 */
import { spawn } from 'node:child_process';
import { signInThroughSystemBrowser, SsoSignInError, type SsoAnswer } from '../main/sso-loopback.js';
import { CliError, EXIT } from './errors.js';

function openerFor(url: string): [string, string[]] {
  const browser = process.env.BROWSER?.trim();
  if (browser) {
    const [command, ...args] = browser.split(/\s+/);
    return [command as string, [...args, url]];
  }
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url]];
  return ['xdg-open', [url]];
}

async function openBrowser(url: string): Promise<void> {
  process.stderr.write(`Opening the sign-in page in your browser; if nothing opens, go to:\n  ${url}\n`);
  const [command, args] = openerFor(url);
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    // No opener on this machine: the printed address is the way in.
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // As above.
  }
}

export async function signInWithProvider(server: string): Promise<SsoAnswer> {
  try {
    return await signInThroughSystemBrowser({ serverUrl: server, openBrowser });
  } catch (error) {
    if (!(error instanceof SsoSignInError)) throw error;
    const exit = error.code === 'timed_out' ? EXIT.timeout : error.code === 'unreachable' ? EXIT.other : EXIT.unauthenticated;
    throw new CliError(exit, `single sign-on: ${error.message}`, `sso_${error.code}`);
  }
}
