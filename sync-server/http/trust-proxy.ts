import { isIP } from 'node:net';

/**
 * Which peers may say who the client is through X-Forwarded-For (Fastify's `trustProxy`):
 *
 *   false          nobody (default): request.ip is the TCP peer and X-Forwarded-For is ignored
 *   string[]       proxies at these addresses or CIDR ranges (or proxy-addr's names `loopback`,
 *                  `linklocal`, `uniquelocal`): addresses are trusted from the right while they match.
 *                  The safe choice: a client reaching the server directly is never trusted.
 *   number n       the n hops nearest the server, whoever they are: request.ip is the n-th address
 *                  from the right of X-Forwarded-For. Only when nothing can reach the server except
 *                  through those proxies (a direct client could otherwise claim any address).
 *
 * `true` (trust every peer) is not offered: anyone reaching the server directly could then pick the
 * address their failed sign-ins are counted against.
 */
export type TrustProxySetting = false | number | string[];

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

function validEntry(entry: string): boolean {
  if (NAMED.has(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * JIT_TRUST_PROXY: empty, `0`, `false` or `off` -> false; a whole number -> that many hops; otherwise
 * a comma-separated list of proxy addresses / CIDR ranges. Throws naming what is wrong.
 */
export function parseTrustProxy(raw: string | undefined, name = 'JIT_TRUST_PROXY'): TrustProxySetting {
  const text = (raw ?? '').trim();
  if (text === '' || ['0', 'false', 'off', 'no'].includes(text.toLowerCase())) return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (!Number.isSafeInteger(hops) || hops > 32) throw new Error(`${name} must be a hop count of 1-32 or a list of proxy addresses, got "${raw}"`);
    return hops;
  }
  if (['true', 'on', 'yes', '*'].includes(text.toLowerCase())) {
    throw new Error(`${name}: trusting every peer would let any client choose its address; give the proxy's address (e.g. 127.0.0.1 or 10.0.0.0/8) or the number of proxies in front of the server`);
  }
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !validEntry(e));
  if (bad.length > 0) throw new Error(`${name}: not an IP address or CIDR range: ${bad.map((b) => `"${b}"`).join(', ')}`);
  return entries;
}

/**
 * The same checks for a setting given in code (createServer's `trustProxy`), as Fastify's option.
 * Fastify 5 trusts nobody for a bare number, so a hop count becomes proxy-addr's function form.
 */
export function checkTrustProxy(setting: TrustProxySetting | undefined): false | string[] | ((address: string, hop: number) => boolean) {
  if (setting === undefined || setting === false) return false;
  if (typeof setting !== 'number' && !Array.isArray(setting)) throw new Error('trustProxy must be false, a hop count or a list of proxy addresses');
  const checked = parseTrustProxy(typeof setting === 'number' ? String(setting) : setting.join(','), 'trustProxy');
  if (typeof checked !== 'number') return checked;
  return (_address, hop) => hop < checked;
}
