/** An audit event as Backstage's default auditor writes it: one JSON line with `isAuditEvent`. */
export interface AuditEvent {
  eventId: string;
  plugin: string;
  severityLevel: string;
  status: string;
  meta?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The audit events in a backend's output, in order; other lines skipped. */
export function auditEvents(output: string): AuditEvent[] {
  return output.split('\n').flatMap(line => {
    const start = line.indexOf('{');
    if (start < 0 || !line.includes('"isAuditEvent":true')) return [];
    try {
      return [JSON.parse(line.slice(start)) as AuditEvent];
    } catch {
      return [];
    }
  });
}
