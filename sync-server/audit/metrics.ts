import { Gauge } from 'prom-client';
import type { Metrics } from '../http/metrics.js';
import type { AuditTrail } from './index.js';

/**
 * `jit_audit_integrity_alerts` (what the start check found: alert on anything above 0) and
 * `jit_audit_unsigned_events` (events after the last checkpoint), read at each scrape.
 */
export function registerAuditGauges(metrics: Metrics, audit: AuditTrail, head: () => number): void {
  new Gauge({
    name: 'jit_audit_integrity_alerts',
    help: 'Integrity alerts raised by the audit start check (GET /api/v1/audit/status lists them)',
    registers: [metrics.registry],
    collect() {
      this.set(audit.alerts.length);
    },
  });
  new Gauge({
    name: 'jit_audit_unsigned_events',
    help: 'Audit events after the last signed checkpoint',
    registers: [metrics.registry],
    collect() {
      this.set(Math.max(0, head() - (audit.checkpointer.last()?.seq ?? 0)));
    },
  });
}
