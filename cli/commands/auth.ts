/** `jit login`, `jit logout` and `jit step-up`: the session and its second factor. */
import { ApiClient } from '../client.js';
import { credentialsPath, readCredentials, removeCredentials, writeCredentials, type Credentials } from '../credentials.js';
import { CliError, EXIT } from '../errors.js';
import { output, print, printJson, usage } from '../output.js';
import { askLine, DEFAULT_SERVER, firstLineOfStdin, isLoopback, readHidden, serverUrl, signedIn } from '../session.js';
import { signInWithProvider } from '../sso-login.js';

type LoginAnswer = { token: string; expiresAt: string; user: { id: string; displayName: string; roles: string[] } };
type StepUpAnswer = { secondFactorAt: string; method: 'totp' | 'recovery_code'; recoveryCodesLeft: number };

export async function login(options: { server?: string; user?: string; sso?: boolean }): Promise<void> {
  let previous: Credentials | null = null;
  try {
    previous = readCredentials();
  } catch {
    // An unsafe file is replaced below, never read.
  }
  const server = serverUrl(options.server ?? process.env.JIT_SERVER ?? previous?.server ?? DEFAULT_SERVER);
  if (options.sso) return loginWithProvider(server);
  const interactive = Boolean(process.stdin.isTTY);
  const username = options.user ?? process.env.JIT_USER ?? (interactive ? await askLine(`Username for ${server}: `) : previous?.user.username);
  if (!username) throw usage('--user', 'give the username (--user NAME or JIT_USER)');
  let password = process.env.JIT_PASSWORD;
  if (password === undefined) {
    if (!interactive) throw usage('password', 'no terminal to read it from: set JIT_PASSWORD');
    password = await readHidden(`Password for ${username}: `);
  }
  const host = new URL(server).hostname;
  if (server.startsWith('http:') && !isLoopback(host)) process.stderr.write(`warning: ${server} is not HTTPS; the password and token cross the network in clear\n`);
  const client = new ApiClient(server);
  const answer = await client.call<LoginAnswer>('POST', '/api/v1/auth/login', { body: { username, password }, flags: { username: '--user' } });
  const path = writeCredentials({ server, token: answer.token, expiresAt: answer.expiresAt, user: { id: answer.user.id, username, displayName: answer.user.displayName, roles: answer.user.roles } });
  if (output.json) return printJson({ server, user: { ...answer.user, username }, expiresAt: answer.expiresAt, tokenFile: path });
  print(`Signed in to ${server} as ${answer.user.displayName} (${username}) until ${answer.expiresAt}; token kept in ${path} (mode 0600)`);
}

/** `jit login --sso`: the server's sign-in provider in the system browser (../sso-login.ts). */
async function loginWithProvider(server: string): Promise<void> {
  const answer = await signInWithProvider(server);
  const me = await new ApiClient(server, answer.token).call<{ user: { username: string } }>('GET', '/api/v1/me');
  const username = me.user.username;
  const path = writeCredentials({ server, token: answer.token, expiresAt: answer.expiresAt, user: { id: answer.user.id, username, displayName: answer.user.displayName, roles: answer.user.roles } });
  if (output.json) return printJson({ server, user: { ...answer.user, username }, expiresAt: answer.expiresAt, secondFactorAt: answer.secondFactorAt, tokenFile: path });
  const factor = answer.secondFactorAt ? '; the provider’s multi-factor sign-in counts as your second factor' : '';
  print(`Signed in to ${server} as ${answer.user.displayName} (${username}) through single sign-on until ${answer.expiresAt}${factor}; token kept in ${path} (mode 0600)`);
}

export async function logout(): Promise<void> {
  let credentials: Credentials | null = null;
  try {
    credentials = readCredentials();
  } catch (error) {
    // An unsafe or unreadable file is removed all the same: signing out must always work.
    if (!(error instanceof CliError)) throw error;
  }
  let ended = false;
  if (credentials) {
    try {
      await new ApiClient(credentials.server, credentials.token).call('POST', '/api/v1/auth/logout');
      ended = true;
    } catch (error) {
      // Already expired or ended elsewhere: nothing to end on the server.
      if (!(error instanceof CliError) || error.exitCode !== EXIT.unauthenticated) {
        // The file goes all the same; the token stays valid on the server until it expires.
        removeCredentials();
        const message = error instanceof Error ? error.message : String(error);
        throw new CliError(EXIT.other, `${credentialsPath()} removed, but the server was not told (${message}); the token stays valid until ${credentials.expiresAt}`, 'logout_incomplete');
      }
    }
  }
  const removed = removeCredentials();
  if (output.json) return printJson({ signedOut: removed, sessionEnded: ended });
  print(removed ? `Signed out${credentials ? ` of ${credentials.server}` : ''}; ${credentialsPath()} removed` : 'Not signed in');
}

/**
 * Proves a second factor for this session (POST /api/v1/auth/step-up): the code from --code, else
 * asked on the terminal without echo, else the first line piped in. Requests, more time and
 * approvals under policies that require MFA then go through while the code is fresh enough for them.
 */
export async function stepUp(options: { code?: string }): Promise<void> {
  const { client } = signedIn();
  let code = options.code;
  if (code === undefined) code = process.stdin.isTTY ? await readHidden('Code from your authenticator app (or a recovery code): ') : await firstLineOfStdin();
  if (code.trim() === '') throw usage('--code', 'give the code from your authenticator app (--code 123456, asked on a terminal, or piped in)');
  const answer = await client.call<StepUpAnswer>('POST', '/api/v1/auth/step-up', { body: { code: code.trim() }, flags: { code: '--code' } });
  if (output.json) return printJson(answer);
  const how = answer.method === 'recovery_code' ? `a recovery code (${answer.recoveryCodesLeft} left; each works once)` : 'your authenticator code';
  print(`Second factor confirmed at ${answer.secondFactorAt} with ${how}.`);
  print('  Policies that ask for one accept it for as long as each allows (15 minutes unless the policy says otherwise); send the request or approval again now.');
}
