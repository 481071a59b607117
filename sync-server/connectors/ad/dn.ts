/**
 * Distinguished names (RFC 4514), parsed and written by rule, never by concatenation.
 *
 * ldapts builds filters safely (its Filter objects travel as BER, and Filter.escape follows
 * RFC 4515), but its DN builder quotes values with leading or trailing spaces (RFC 2253's form,
 * which RFC 4514 dropped) and leaves NUL unescaped: DNs are written here instead.
 *
 * - escapeDnValue: one attribute value, escaped (`,` `+` `"` `\` `<` `>` `;` `=` anywhere; `#` and a
 *   space first; a space last; NUL and other control characters as \XX).
 * - parseDn: a DN string to RDNs (multi-valued RDNs, \XX and \c escapes; `#` hex values refused);
 *   throws DnSyntaxError on anything malformed, so a hostile string cannot mean two things.
 * - formatDn / canonicalDn: RDNs back to a string, every value escaped; canonicalDn also
 *   lower-cases attribute types, for display and as the form written to the directory.
 * - dnKey: a case-insensitive key (AD compares DNs without regard to case).
 * - buildDn: `buildDn([['CN', name], ['OU', 'People']], baseDn)`.
 */

export type Ava = { type: string; value: string };
export type Rdn = Ava[];

export class DnSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnSyntaxError';
  }
}

/** An attribute type: a descriptor (cn, sAMAccountName, msDS-x) or a numeric OID. */
const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;
const SPECIAL = new Set([',', '+', '"', '\\', '<', '>', ';', '=']);

const hex = (byte: number) => `\\${byte.toString(16).padStart(2, '0').toUpperCase()}`;

export function escapeDnValue(value: string): string {
  let out = '';
  const chars = [...value];
  chars.forEach((ch, i) => {
    const code = ch.codePointAt(0) as number;
    if (code < 0x20 || code === 0x7f) out += hex(code);
    else if (SPECIAL.has(ch)) out += `\\${ch}`;
    else if (i === 0 && (ch === '#' || ch === ' ')) out += `\\${ch}`;
    else if (i === chars.length - 1 && ch === ' ') out += '\\ ';
    else out += ch;
  });
  return out;
}

function checkType(type: string, dn: string): string {
  if (!ATTRIBUTE_TYPE.test(type)) throw new DnSyntaxError(`"${printable(type)}" is not an attribute type (in DN ${printable(dn)})`);
  return type;
}

/** For error messages: control characters shown as \XX, and not too long. */
export function printable(value: string): string {
  return [...value.slice(0, 300)].map((ch) => ((ch.codePointAt(0) as number) < 0x20 ? hex(ch.codePointAt(0) as number) : ch)).join('');
}

export function parseDn(dn: string): Rdn[] {
  if (typeof dn !== 'string') throw new DnSyntaxError('a DN must be a string');
  if (dn.trim() === '') return [];
  const rdns: Rdn[] = [];
  let rdn: Rdn = [];
  let i = 0;
  const n = dn.length;
  const skipSpaces = () => {
    while (i < n && dn[i] === ' ') i++;
  };
  for (;;) {
    skipSpaces();
    const typeStart = i;
    while (i < n && dn[i] !== '=' && dn[i] !== ',' && dn[i] !== '+') i++;
    if (dn[i] !== '=') throw new DnSyntaxError(`expected "=" after "${printable(dn.slice(typeStart, i))}" in DN ${printable(dn)}`);
    const type = checkType(dn.slice(typeStart, i).trim(), dn);
    i++;
    skipSpaces();
    if (dn[i] === '#') throw new DnSyntaxError(`hex-encoded (#) values are not accepted (in DN ${printable(dn)})`);
    if (dn[i] === '"') throw new DnSyntaxError(`quoted values are not RFC 4514 (in DN ${printable(dn)}); escape the characters instead`);
    const bytes: number[] = [];
    // Trailing unescaped spaces are not part of the value; escaped ones are.
    let keepUpTo = 0;
    while (i < n && dn[i] !== ',' && dn[i] !== '+') {
      const ch = dn[i] as string;
      if (ch === '\\') {
        const next = dn[i + 1];
        if (next === undefined) throw new DnSyntaxError(`DN ${printable(dn)} ends in an escape`);
        if (/[0-9A-Fa-f]/.test(next)) {
          const pair = dn.slice(i + 1, i + 3);
          if (!/^[0-9A-Fa-f]{2}$/.test(pair)) throw new DnSyntaxError(`"\\${printable(pair)}" is not a hex escape (in DN ${printable(dn)})`);
          bytes.push(parseInt(pair, 16));
          i += 3;
        } else if (SPECIAL.has(next) || next === ' ' || next === '#') {
          bytes.push(next.charCodeAt(0));
          i += 2;
        } else {
          throw new DnSyntaxError(`"\\${printable(next)}" is not a valid escape (in DN ${printable(dn)})`);
        }
        keepUpTo = bytes.length;
        continue;
      }
      if (ch === '"' || ch === ';' || ch === '<' || ch === '>' || ch === '\u0000') {
        throw new DnSyntaxError(`"${printable(ch)}" must be escaped in a DN value (in DN ${printable(dn)})`);
      }
      const encoded = Buffer.from(String.fromCodePoint(dn.codePointAt(i) as number), 'utf8');
      bytes.push(...encoded);
      if (ch !== ' ') keepUpTo = bytes.length;
      i += (dn.codePointAt(i) as number) > 0xffff ? 2 : 1;
    }
    const decoded = Buffer.from(bytes.slice(0, keepUpTo));
    let value: string;
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(decoded);
    } catch {
      throw new DnSyntaxError(`DN ${printable(dn)} has escapes that are not UTF-8`);
    }
    rdn.push({ type, value });
    if (i >= n) {
      rdns.push(rdn);
      break;
    }
    if (dn[i] === '+') {
      i++;
      continue;
    }
    // A comma: the next RDN.
    rdns.push(rdn);
    rdn = [];
    i++;
    if (i >= n) throw new DnSyntaxError(`DN ${printable(dn)} ends in a comma`);
  }
  for (const r of rdns) {
    if (r.some((ava) => ava.value === '')) throw new DnSyntaxError(`DN ${printable(dn)} has an empty value`);
  }
  return rdns;
}

export function formatDn(rdns: readonly Rdn[]): string {
  return rdns.map((rdn) => rdn.map((ava) => `${ava.type}=${escapeDnValue(ava.value)}`).join('+')).join(',');
}

/** The DN as written to the directory: parsed, then every value escaped one way. */
export function canonicalDn(dn: string): string {
  return formatDn(parseDn(dn));
}

/** A key that is equal for DNs AD considers equal (types and values compared without case). */
export function dnKey(dn: string): string {
  return formatDn(parseDn(dn).map((rdn) => rdn.map((ava) => ({ type: ava.type.toLowerCase(), value: ava.value.toLowerCase() })).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))));
}

export function dnEquals(a: string, b: string): boolean {
  return dnKey(a) === dnKey(b);
}

/** Whether `dn` is `base` or below it. */
export function isWithin(dn: string, base: string): boolean {
  const d = parseDn(dn);
  const b = parseDn(base);
  if (b.length > d.length) return false;
  return dnKey(formatDn(d.slice(d.length - b.length))) === dnKey(formatDn(b));
}

/** A DN from (type, value) pairs, most specific first, under an already valid parent DN. */
export function buildDn(rdns: readonly (readonly [string, string])[], parent = ''): string {
  const own = rdns.map(([type, value]) => {
    if (value === '') throw new DnSyntaxError(`the value of ${type} is empty`);
    return [{ type: checkType(type, type), value }];
  });
  return formatDn([...own, ...parseDn(parent)]);
}

/** Whether a string reads as a DN at all (has an "=" before any comma); it may still be malformed. */
export function looksLikeDn(value: string): boolean {
  return /^[^,=]+=/.test(value.trim());
}
