/**
 * Audit forwarding to a SIEM, as GET /api/v1/audit/siem reports it (admins): each sink with the last
 * sequence its receiver acknowledged, how far behind the log's head it is, and its last failure.
 * Forwarding itself is configured on the server (sync-server/audit/siem/settings.ts).
 */
import { SiemStatusAnswer, type SiemSinkStatus } from '../../../core/index.js';
import { ApiError, requestJson } from '../../session/api-client.js';
import { formatAbsolute, formatRelative } from '../../lib/time.js';

/** The server's table: only admins read the forwarding state (it names the receivers). */
export const mayViewSiem = (roles: readonly string[]): boolean => roles.includes('admin');

export async function fetchSiem(serverUrl: string, token: string, fetchImpl?: typeof fetch): Promise<SiemStatusAnswer> {
  const { status, body } = await requestJson(serverUrl, '/api/v1/audit/siem', { token, fetch: fetchImpl, unreachable: `Could not reach ${serverUrl}: the forwarding state needs a connection to the server.` });
  const parsed = SiemStatusAnswer.safeParse(body);
  if (!parsed.success) throw new ApiError(status, 'unexpected_answer', "The server's SIEM forwarding state is not in the expected shape.");
  return parsed.data;
}

export const SINK_KIND_LABEL: Record<SiemSinkStatus['kind'], string> = { syslog: 'Syslog over TLS (RFC 5425)', https: 'HTTPS, JSON batches' };

export type SinkState = { label: string; detail: string; tone: 'success' | 'warning' | 'danger' };

const events = (n: number) => `${n.toLocaleString()} ${n === 1 ? 'event' : 'events'}`;

/** Where one sink stands, in words: failing (with when it tries again), behind, or up to date. */
export function sinkState(sink: SiemSinkStatus, now: number): SinkState {
  const acked = sink.ackedAt ? `event ${sink.ackedSeq.toLocaleString()} acknowledged ${formatRelative(sink.ackedAt, now)} (${formatAbsolute(sink.ackedAt)})` : 'nothing acknowledged yet';
  if (sink.lastError) {
    const retry = sink.retryAt ? `; next attempt ${formatRelative(sink.retryAt, now)}` : '';
    return { label: 'Failing', tone: 'danger', detail: `Last attempt failed${sink.lastErrorAt ? ` ${formatRelative(sink.lastErrorAt, now)}` : ''}: ${sink.lastError}${retry}. ${events(sink.lag)} waiting; ${acked}. Nothing is lost: forwarding resumes after the last acknowledged event.` };
  }
  if (sink.lag > 0) return { label: 'Sending', tone: 'warning', detail: `${events(sink.lag)} still to send; ${acked}.` };
  return { label: 'Up to date', tone: 'success', detail: `Every event sent: ${acked}.` };
}
