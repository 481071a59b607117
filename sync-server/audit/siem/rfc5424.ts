/**
 * One audit event as a syslog message (RFC 5424) framed for TLS (RFC 5425: octet counting, the
 * byte length, a space, the message). The event's identity and chain position are structured data,
 * so a SIEM can index them without parsing; the message is the whole event as JSON (UTF-8 with BOM,
 * as RFC 5424 asks of UTF-8 messages), so it can be hashed again and matched to the chain.
 * No library: the format is a few lines, and the ones published either frame with newlines
 * (RFC 6587, not 5425) or hide the socket the forwarder must watch for acknowledgement.
 */
import type { AuditEvent } from '../../../core/index.js';

/** RFC 5612 reserves 32473 for examples; the SD-ID names the fields without a registered number. */
export const SD_ID = 'jit@32473';
/** Facility 13, "log audit". */
export const DEFAULT_FACILITY = 13;
const NOTICE = 5;
const WARNING = 4;
const WARNING_TYPES = /integrity_alert|_failed|not_verified|drift_detected|escalated|break_glass|refused|ineligible/;

export type SyslogHeader = { hostname: string; appName: string; procId: string; facility: number };

/** PRINTUSASCII without spaces, at most `max` characters; "-" (the nil value) when empty. */
function token(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean || '-';
}

/** An SD-PARAM value: '"', '\' and ']' escaped (RFC 5424 section 6.3.3). */
const paramValue = (value: string) => value.replace(/["\\\]]/g, (c) => `\\${c}`);

export function formatSyslogMessage(event: AuditEvent, header: SyslogHeader): string {
  const severity = WARNING_TYPES.test(event.type) ? WARNING : NOTICE;
  const pri = header.facility * 8 + severity;
  const params: [string, string][] = [
    ['seq', String(event.seq)],
    ['id', event.id],
    ['type', event.type],
    ['actor', event.actorId],
    ['subject', `${event.subjectType}:${event.subjectId}`],
    ['hash', event.hash],
    ['prevHash', event.prevHash],
  ];
  const sd = `[${SD_ID} ${params.map(([k, v]) => `${k}="${paramValue(v)}"`).join(' ')}]`;
  return `<${pri}>1 ${event.at} ${token(header.hostname, 255)} ${token(header.appName, 48)} ${token(header.procId, 128)} ${token(event.type, 32)} ${sd} \uFEFF${JSON.stringify(event)}`;
}

/** RFC 5425 framing: MSG-LEN SP SYSLOG-MSG, the length in octets. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/** Reads RFC 5425 frames from a byte stream (the tests' receiver, and anyone checking the format). */
export function createFrameReader(onMessage: (message: string) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const space = pending.indexOf(0x20);
      if (space < 0) return;
      const length = Number(pending.subarray(0, space).toString('ascii'));
      if (!Number.isInteger(length) || length <= 0) throw new Error(`not an octet-counted frame: "${pending.subarray(0, Math.min(space, 20)).toString('ascii')}"`);
      if (pending.length < space + 1 + length) return;
      onMessage(pending.subarray(space + 1, space + 1 + length).toString('utf8'));
      pending = pending.subarray(space + 1 + length);
    }
  };
}
