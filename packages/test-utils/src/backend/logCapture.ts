/*
 * What a test backend (startTestBackend) logs, kept for the test to read:
 * Backstage's auditor writes each audit event to the plugin's logger
 * (`isAuditEvent: true`), so capturing the root logger captures the audit
 * log exactly as an operator's log shipper would receive it.
 */
import {
  LoggerService,
  RootLoggerService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { AuditEvent } from './auditEvents';

/** One log call: the message, the fields of its logger and of the call. */
export type LogEntry = Record<string, unknown> & {
  level: string;
  message: string;
};

/** A root logger that keeps every entry; see {@link captureLogs}. */
class CapturingLogger implements RootLoggerService {
  constructor(
    private readonly entries: LogEntry[],
    private readonly fields: Record<string, unknown>,
  ) {}

  error(message: string, meta?: Error | object) {
    this.#log('error', message, meta);
  }
  warn(message: string, meta?: Error | object) {
    this.#log('warn', message, meta);
  }
  info(message: string, meta?: Error | object) {
    this.#log('info', message, meta);
  }
  debug(message: string, meta?: Error | object) {
    this.#log('debug', message, meta);
  }
  child(meta: object): LoggerService {
    return new CapturingLogger(this.entries, { ...this.fields, ...meta });
  }

  #log(level: string, message: string, meta?: Error | object) {
    // As the backend's winston logger: an error's message is appended to
    // the message (the auditor logs a failed event's error so).
    if (meta instanceof Error) {
      this.entries.push({
        ...this.fields,
        level,
        message: `${message} ${meta.message}`,
      });
    } else {
      this.entries.push({ ...this.fields, ...meta, level, message });
    }
  }
}

/**
 * A root logger factory for startTestBackend that keeps what the backend
 * logs, and the audit events among it in order (an event's `initiated`,
 * then its `succeeded` or `failed`).
 */
export function captureLogs() {
  const entries: LogEntry[] = [];
  return {
    factory: createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => new CapturingLogger(entries, {}),
    }),
    entries: (): LogEntry[] => [...entries],
    auditEvents: (): AuditEvent[] =>
      entries.filter(e => e.isAuditEvent === true) as unknown as AuditEvent[],
  };
}
