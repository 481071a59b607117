/**
 * Runs the `jit` CLI as a child process (`node cli/jit.mjs`, what `npx jit` runs) with its own
 * config directory and no terminal, as a person at a shell would, for the CLI's integration tests.
 *
 *   const cli = jitIn(() => configHome);
 *   const run = await cli.jit(['status'], { JIT_PASSWORD: '...' });        // exit code, stdout, stderr
 *   const running = cli.start(['request', 'x', '--wait']); await running.waitFor(/step 1/);
 *   await cli.jit(['step-up'], {}, '123456\n');                            // piped to standard input
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './server.js';

export type Run = { code: number | null; stdout: string; stderr: string };
export type Running = { waitFor(pattern: RegExp): Promise<RegExpMatchArray>; done: Promise<Run> };

export function jitIn(configHome: () => string) {
  /** Starts `jit <args>`; `waitFor` resolves when its output (stdout, then stderr) shows the pattern. `input` is piped to its standard input. */
  function start(args: string[], env: Record<string, string> = {}, input?: string): Running {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('JIT_')));
    const child = spawn(process.execPath, [join(REPO_ROOT, 'cli/jit.mjs'), ...args], {
      cwd: REPO_ROOT,
      env: { ...inherited, XDG_CONFIG_HOME: configHome(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Nothing to read unless the test pipes something: standard input ends at once, as from /dev/null.
    child.stdin.end(input ?? '');
    let stdout = '';
    let stderr = '';
    const watchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
    const seen = (pattern: RegExp) => stdout.match(pattern) ?? stderr.match(pattern);
    const check = () => {
      for (const watcher of [...watchers]) {
        const match = seen(watcher.pattern);
        if (match) {
          watchers.splice(watchers.indexOf(watcher), 1);
          watcher.resolve(match);
        }
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      check();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      check();
    });
    const done = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
    return {
      waitFor: (pattern) =>
        new Promise((resolve, reject) => {
          const match = seen(pattern);
          if (match) return resolve(match);
          watchers.push({ pattern, resolve });
          void done.then((run) => reject(new Error(`jit exited (${run.code}) before printing ${pattern}:\n${run.stdout}\n${run.stderr}`)));
        }),
      done,
    };
  }
  return { start, jit: (args: string[], env: Record<string, string> = {}, input?: string) => start(args, env, input).done };
}

export const json = <T = any>(run: Run): T => JSON.parse(run.stdout) as T; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
