/**
 * The configuration file format (policy as code): YAML through the `yaml` package, written the same
 * way every time (kinds in order, each by id, fields in schema order, one id per line, no folded
 * lines), so an export of an unchanged configuration is byte-identical and a change reads as a
 * one-line diff in git. Read back, every problem names the entity, the field path and the line.
 * Imported by path (not from core/index): only the server and the CLI read or write files yet.
 */
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import { CONFIG_FORMAT, ConfigDocument, CONFIG_KINDS, CONFIG_SECTION } from '../schema/config.js';
import { canonicalConfig } from './document.js';

export type ConfigHeader = {
  /** The server the file came from. */
  server: string;
  /** When the configuration last changed (the newest updatedAt): not the time of the export, so exporting an unchanged configuration twice gives the same bytes. */
  asOf: string | null;
};

const WRITE_OPTIONS = { lineWidth: 0, indent: 2, indentSeq: true } as const;

/** The file for this configuration. */
export function configToYaml(doc: ConfigDocument, header: ConfigHeader): string {
  const canonical = canonicalConfig(doc);
  const file = new Document(canonical);
  file.commentBefore = [
    ' JIT access console configuration: access policies, resources and access profiles.',
    ` Server: ${oneLine(header.server)}`,
    ` As of: ${header.asOf ?? 'no configuration yet'} (the newest change to any of them)`,
    ` Format: ${CONFIG_FORMAT}`,
    ' Not in this file: who changed what and when (the server records it), connector settings, secrets.',
    ' Check with `npm run config -- import FILE --dry-run`; import with `npm run config -- import FILE`.',
  ].join('\n');
  // A blank line before each kind and between entities: one entity is one hunk in a diff.
  if (isMap(file.contents)) {
    for (const pair of file.contents.items) {
      if (!isScalar(pair.key) || pair.key.value === 'format') continue;
      pair.key.spaceBefore = true;
      if (isSeq(pair.value)) pair.value.items.forEach((item, i) => i > 0 && ((item as Node).spaceBefore = true));
    }
  }
  return file.toString(WRITE_OPTIONS);
}

const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ').slice(0, 512);

export type ConfigProblem = {
  /** `policies[pol-x].approvalSteps[1].mode`; `(file)` for the file as a whole. */
  path: string;
  message: string;
  /** 1-based, where the yaml library knows it. */
  line: number | null;
};

export type ParsedConfig = { ok: true; value: ConfigDocument } | { ok: false; problems: ConfigProblem[] };

/** Problems named per file at most: the first ones are what a person fixes first. */
const MAX_PROBLEMS = 20;
/** Flow collections ([ ], { }) open at once: a configuration needs two or three. */
const MAX_FLOW_DEPTH = 32;
/** Indentation plus leading `- ` and `? ` indicators on one line: a configuration needs a dozen columns. */
const MAX_INDENT = 256;

/** `policies[pol-x].approvalSteps[1].mode: message (line 23)`: one problem as people read it. */
export const problemText = (p: ConfigProblem) => `${p.path}: ${p.message}${p.line !== null ? ` (line ${p.line})` : ''}`;

/**
 * Nesting the yaml library's recursive parts could not survive (found by hand: a megabyte of `[`
 * takes seconds, 200,000 `- ` on one line exhausts memory), refused before it parses anything.
 */
function tooDeep(text: string): ConfigProblem | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      line++;
      lineStart = i + 1;
      const indent = /^(?:[ ]|[-?:](?=[ \t\n]|$))*/.exec(text.slice(lineStart, lineStart + MAX_INDENT + 1))?.[0].length ?? 0;
      if (indent > MAX_INDENT) return { path: '(file)', message: `is indented or nested deeper than ${MAX_INDENT} columns`, line };
      continue;
    }
    const prev = i === lineStart ? ' ' : text[i - 1];
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if ((ch === '"' || ch === "'") && /[\s[{,:]/.test(prev ?? ' ')) quote = ch;
    else if (ch === '#' && /\s/.test(prev ?? ' ')) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (ch === '[' || ch === '{') {
      if (++depth > MAX_FLOW_DEPTH) return { path: '(file)', message: `nests [ ] or { } deeper than ${MAX_FLOW_DEPTH} levels`, line };
    } else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  const first = /^(?:[ ]|[-?:](?=[ \t\n]|$))*/.exec(text.slice(0, MAX_INDENT + 1))?.[0].length ?? 0;
  return first > MAX_INDENT ? { path: '(file)', message: `is indented or nested deeper than ${MAX_INDENT} columns`, line: 1 } : null;
}

/** The node at a path of the parsed document (the key itself, for an unknown key), for its line. */
function nodeAt(doc: Document.Parsed, path: readonly PropertyKey[], unknownKey?: string): Node | Pair | null {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isMap(node)) node = node.items.find((p) => isScalar(p.key) && p.key.value === key)?.value ?? null;
    else if (isSeq(node) && typeof key === 'number') node = node.items[key] ?? null;
    else return (node as Node | null) ?? null;
    if (node === null) return null;
  }
  if (unknownKey !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === unknownKey);
    if (pair && isPair(pair)) return pair.key as Node;
  }
  return node as Node;
}

/** Where a node starts, 1-based. */
function lineOf(node: Node | Pair | null, counter: LineCounter): number | null {
  const range = node && 'range' in node ? node.range : null;
  return range ? counter.linePos(range[0]).line : null;
}

/** A zod issue path as people read it: list items by their id where they have one. */
export function describePath(path: readonly PropertyKey[], value: unknown): string {
  let out = '';
  let at: unknown = value;
  for (const key of path) {
    if (typeof key === 'number') {
      const item = Array.isArray(at) ? (at[key] as unknown) : undefined;
      const id = item !== null && typeof item === 'object' && typeof (item as { id?: unknown }).id === 'string' && out.indexOf('.') < 0 ? (item as { id: string }).id : null;
      out += `[${id !== null && /^[A-Za-z0-9._:@-]{1,128}$/.test(id) ? id : key}]`;
      at = item;
    } else {
      out += out ? `.${String(key)}` : String(key);
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[String(key)] : undefined;
    }
  }
  return out || '(file)';
}

function schemaProblems(error: z.ZodError, value: unknown, doc: Document.Parsed, counter: LineCounter): ConfigProblem[] {
  return error.issues.slice(0, MAX_PROBLEMS).map((issue) => {
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [...issue.path, ...unknown.slice(0, 1)];
    const message = unknown.length > 0 ? `is not a known field${unknown.length > 1 ? ` (nor are ${unknown.slice(1).join(', ')})` : ''}` : issue.message;
    return { path: describePath(path, value), message, line: lineOf(nodeAt(doc, issue.path, unknown[0]), counter) };
  });
}

/** Each kind's ids once: the second of two entities with one id is the problem. */
function duplicateProblems(value: ConfigDocument, doc: Document.Parsed, counter: LineCounter): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const kind of CONFIG_KINDS) {
    const section = CONFIG_SECTION[kind];
    const seen = new Set<string>();
    value[section].forEach((entity, i) => {
      if (seen.has(entity.id)) out.push({ path: `${section}[${entity.id}]`, message: 'is listed twice: each id names one entity', line: lineOf(nodeAt(doc, [section, i]), counter) });
      seen.add(entity.id);
    });
  }
  return out;
}

/** Reads a configuration file: YAML, then the config schemas (the entities' own, closed). */
export function parseConfigYaml(text: string): ParsedConfig {
  const deep = tooDeep(text);
  if (deep) return { ok: false, problems: [deep] };
  const counter = new LineCounter();
  let doc: Document.Parsed;
  let value: unknown;
  try {
    doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true, schema: 'core' });
    const broken = [...doc.errors, ...doc.warnings];
    if (broken.length > 0) {
      return {
        ok: false,
        problems: broken.slice(0, MAX_PROBLEMS).map((e) => ({ path: '(file)', message: `is not valid YAML: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`, line: e.linePos?.[0].line ?? null })),
      };
    }
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, problems: [{ path: '(file)', message: `is not valid YAML: ${error instanceof Error ? error.message : String(error)}`, line: null }] };
  }
  if (value === null || value === undefined) return { ok: false, problems: [{ path: '(file)', message: `is empty: a configuration has format: ${CONFIG_FORMAT}, policies, resources and profiles`, line: null }] };
  const parsed = ConfigDocument.safeParse(value);
  if (!parsed.success) return { ok: false, problems: schemaProblems(parsed.error, value, doc, counter) };
  const duplicates = duplicateProblems(parsed.data, doc, counter);
  if (duplicates.length > 0) return { ok: false, problems: duplicates };
  return { ok: true, value: parsed.data };
}

/**
 * A message that starts with an entity's path (`resources[res-x].ownerId: ...`, as the server's
 * checks name what they refuse) with the line of that field in the file added, where it is found.
 */
export function withLine(text: string, message: string): string {
  const match = /^(policies|resources|profiles)\[([A-Za-z0-9._:@-]+)\]((?:\.[A-Za-z]+|\[\d+\])*): /.exec(message);
  if (!match) return message;
  const counter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: counter });
  } catch {
    return message;
  }
  const section = doc.get(match[1] as string, true);
  const index = isSeq(section) ? section.items.findIndex((item) => isMap(item) && item.get('id') === match[2]) : -1;
  if (index < 0) return message;
  const rest = [...(match[3] ?? '').matchAll(/\.([A-Za-z]+)|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? m[1] : Number(m[2])));
  // The deepest part of the path the file has (a missing field: the entity's own line).
  let line: number | null = null;
  for (let n = rest.length; n >= 0 && line === null; n--) line = lineOf(nodeAt(doc, [match[1] as string, index, ...rest.slice(0, n)]), counter);
  return line === null ? message : `${message} (line ${line})`;
}
