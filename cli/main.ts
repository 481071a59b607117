/**
 * `jit`: asking for and managing just-in-time access from a terminal, over the sync server's REST
 * API. Run through cli/jit.mjs (the package's `bin`), e.g. `npx jit request ...`. This file is the
 * program (its commands and options); what each command does is in ./commands/.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type { RequestOptions, WaitOptions } from './commands/requests.js';
import { CliError, EXIT } from './errors.js';
import { output, printJson } from './output.js';
import { DEFAULT_SERVER } from './session.js';

// Each command's module is loaded when that command runs, not at every start: `jit --help` or
// `jit status` does not wait for the sign-in, request and grant code of the others.
const auth = () => import('./commands/auth.js');
const requests = () => import('./commands/requests.js');
const grantCommands = () => import('./commands/grants.js');
const decisions = () => import('./commands/decide.js');

const EXIT_HELP = `
Exit codes:
  0  done (with --wait: approved)
  1  anything else (server unreachable, throttled, server error)
  2  usage or bad input (the message names the option or field)
  3  not signed in, session expired, or the token file is not private (run jit login)
  4  refused (forbidden, not eligible, already decided, limits of the policy, a second factor needed: jit step-up)
  5  not found (no such request, grant or resource that you may see)
  6  the request ended without access: denied, expired, cancelled or ineligible (--wait)
  7  no decision before --timeout (--wait); the request stays pending

The token is kept in $XDG_CONFIG_HOME/jit/credentials.json (~/.config/jit/ by default; JIT_CONFIG_DIR
overrides), mode 0600; a file others can read is refused. JIT_PASSWORD gives the password to scripts.
With --json every command prints one JSON document on stdout (errors too: {"error":{...},"exitCode":n}).`;

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function buildProgram(): Command {
  const program = new Command('jit')
    .description('Just-in-time privileged access from the terminal: ask for access, follow the decision, see, extend and give back your grants; approvers approve and deny.')
    .version(version())
    .exitOverride()
    .showSuggestionAfterError()
    // Usage errors in one line too, like every other error: "jit: unknown option '--fro' (Did you mean --for?)".
    .configureOutput({ outputError: (text, write) => write(`jit: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')}\n`) })
    .addHelpText('after', EXIT_HELP);
  const json = () => new Option('--json', 'print one JSON document for scripts');
  const waitOptions = (command: Command) =>
    command
      .option('--wait', 'wait for the decision, printing where it is in the approval chain')
      .option('--timeout <duration>', 'with --wait: give up (exit 7) after this long', '30m')
      .option('--every <duration>', 'with --wait: how often to look', '2s');
  const run =
    <A extends unknown[]>(action: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      const command = args[args.length - 1] as Command;
      output.json = Boolean(command.opts().json);
      await action(...args);
    };

  program
    .command('login')
    .description('sign in; the token is kept in a file only you can read (mode 0600)')
    .option('--server <url>', `the sync server (default: JIT_SERVER, the last one used, or ${DEFAULT_SERVER})`)
    .option('--user <name>', 'your username (default: JIT_USER, or asked)')
    .option('--sso', 'sign in through the server’s single sign-on provider, in your browser')
    .addOption(json())
    .addHelpText('after', '\nThe password is read from the terminal without echo, or from JIT_PASSWORD. With --sso the browser opens ($BROWSER, or the system’s) and comes back to this machine.')
    .action(run(async (options: { server?: string; user?: string; sso?: boolean }) => (await auth()).login(options)));

  program.command('logout').description('end the session on the server and remove the token file').addOption(json()).action(run(async () => (await auth()).logout()));

  program.command('catalog').description('the resources you may request, with their policy bounds').addOption(json()).action(run(async () => (await requests()).catalog()));

  waitOptions(
    program
      .command('request')
      .description('ask for access to a resource (its id or name, as jit catalog lists them)')
      .argument('<resource>', 'resource id or name')
      .option('--for <duration>', 'how long: 30m, 2h, 1d, 1h30m (default: the recommended duration)')
      .option('--why <text>', 'justification')
      .option('--ticket <id>', 'change or incident ticket, such as INC0012345')
      .option('--start <time>', 'begin later: 2026-03-07T22:00Z or +2h (at most 30 days ahead; default: once approved)')
      .option('--on-behalf-of <identity>', 'a service principal or service account you own (its console id): the access is granted to it'),
  )
    .addOption(json())
    .addHelpText('after', '\nWith --wait the exit code says the outcome: 0 approved, 6 denied/expired/cancelled, 7 no decision in time.')
    .action(run(async (resource: string, options: RequestOptions) => (await requests()).request(resource, options)));

  program
    .command('status')
    .description('your requests, newest first; or one request in detail')
    .argument('[request-id]', 'a request id')
    .option('--limit <n>', 'how many requests to list', '20')
    .addOption(json())
    .action(run(async (requestId: string | undefined, options: { limit: string }) => (await requests()).status(requestId, options)));

  program
    .command('grants')
    .description('your active grants, and those of service identities you own: time left and verification state')
    .option('--all', 'include ended grants')
    .addOption(json())
    .action(run(async (options: { all?: boolean }) => (await grantCommands()).grants(options)));

  waitOptions(
    program
      .command('extend')
      .description('ask for more time on your grant (or one a service identity you own holds); the extension goes to its approvers like a request')
      .argument('<grant>', 'grant id, as jit grants lists it')
      .requiredOption('--by <duration>', 'how much more: 30m, 1h')
      .option('--why <text>', 'why more time is needed (required by the server)'),
  )
    .addOption(json())
    .action(run(async (grant: string, options: WaitOptions & { by: string; why?: string }) => (await grantCommands()).extend(grant, options)));

  program
    .command('give-back')
    .description('end your grant (or one a service identity you own holds) early; the access is removed and verified gone')
    .argument('<grant>', 'grant id, as jit grants lists it')
    .option('--why <text>', 'reason (default: "given back early")')
    .addOption(json())
    .action(run(async (grant: string, options: { why?: string }) => (await grantCommands()).giveBack(grant, options)));

  program
    .command('step-up')
    .description('prove a second factor for this session, for policies that require MFA to ask or to approve')
    .option('--code <code>', 'the code from your authenticator app, or a recovery code (default: asked, or read from standard input)')
    .addOption(json())
    .addHelpText('after', '\nThe code counts for as long as each policy allows (15 minutes by default); then send the request or approval again.')
    .action(run(async (options: { code?: string }) => (await auth()).stepUp(options)));

  program
    .command('approve')
    .description('approve a request whose current approval step names you')
    .argument('<request-id>', 'a request id')
    .option('--why <text>', 'a note kept with the decision')
    .addOption(json())
    .action(run(async (requestId: string, options: { why?: string }) => (await decisions()).decide('approve', requestId, options)));

  program
    .command('deny')
    .description('deny a request whose current approval step names you')
    .argument('<request-id>', 'a request id')
    .requiredOption('--why <text>', 'why it is denied (the requester reads it)')
    .addOption(json())
    .action(run(async (requestId: string, options: { why: string }) => (await decisions()).decide('deny', requestId, options)));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  output.json = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its help or its one-line error already.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return EXIT.ok;
      if (output.json) printJson({ error: { code: 'invalid_input', message: error.message.replace(/^error: /, '') }, exitCode: EXIT.usage });
      return EXIT.usage;
    }
    const failure = error instanceof CliError ? error : new CliError(EXIT.other, error instanceof Error ? error.message : String(error), 'error');
    process.stderr.write(`jit: ${failure.message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (output.json) printJson({ error: { code: failure.code, message: failure.message, ...(failure.field ? { field: failure.field } : {}) }, exitCode: failure.exitCode });
    return failure.exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
