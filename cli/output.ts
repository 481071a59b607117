/**
 * What `jit` prints: plain lines for people, or with --json one JSON document on stdout (progress
 * then goes to stderr). Usage errors name the option they are about.
 */
import { parseDuration, parseWait } from './duration.js';
import { CliError, EXIT } from './errors.js';

/** Set once per run from --json (cli/main.ts). */
export const output = { json: false };

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Progress goes to stderr under --json, so stdout stays one JSON document. */
export function progress(line: string): void {
  if (output.json) process.stderr.write(`${line}\n`);
  else print(line);
}

export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

export function usage(flag: string, message: string): CliError {
  return new CliError(EXIT.usage, `${flag}: ${message}`, 'invalid_input', flag);
}

export function minutesOf(flag: string, text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw usage(flag, parsed.message);
  return parsed.minutes;
}

export function msOf(flag: string, text: string): number {
  const parsed = parseWait(text);
  if (!parsed.ok) throw usage(flag, parsed.message);
  return parsed.ms;
}
