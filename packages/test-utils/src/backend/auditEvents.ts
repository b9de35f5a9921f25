/** An audit event as Backstage's auditor logs it (`isAuditEvent`), with its fields. */
export interface AuditEvent {
  eventId: string;
  plugin: string;
  severityLevel: string;
  status: string;
  meta?: Record<string, unknown>;
  [field: string]: unknown;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const FIELD = / ([A-Za-z_][A-Za-z0-9_]*)=/g;

/**
 * The fields of a line in the backend's development log format,
 * `<time> <plugin> <level> <message> key=<JSON> ...` (`message` among
 * them, as in the JSON format); undefined for a line of another shape.
 */
function parseTextLine(line: string): Record<string, unknown> | undefined {
  const head = /^\S+ (\S+) \S+ (?=\S)/.exec(line);
  if (!head) return undefined;
  const starts = [...line.matchAll(FIELD)];
  const fields: Record<string, unknown> = {
    plugin: head[1],
    // from after the level up to the first field
    message: line.slice(head[0].length, starts[0]?.index),
  };
  const end = (k: number) =>
    k < starts.length ? starts[k].index! : line.length;
  let i = 0;
  while (i < starts.length) {
    const key = starts[i][1];
    const from = starts[i].index! + starts[i][0].length;
    // A value is JSON and may itself hold " x=": take the shortest that
    // parses. One that is not JSON (winston prints `request=undefined`)
    // is kept as it stands, up to the next field.
    let next = i + 1;
    fields[key] = line.slice(from, end(next));
    for (let k = i + 1; k <= starts.length; k++) {
      try {
        fields[key] = JSON.parse(line.slice(from, end(k)));
        next = k;
        break;
      } catch {
        continue;
      }
    }
    i = next;
  }
  return fields;
}

/**
 * The audit events in a backend's output, in order, whether it logs JSON
 * (NODE_ENV=production) or the development format; other lines skipped.
 */
export function auditEvents(output: string): AuditEvent[] {
  return output.split('\n').flatMap(raw => {
    const line = raw.replace(ANSI, '');
    if (!/isAuditEvent"?[:=]true/.test(line)) return [];
    const start = line.indexOf('{');
    if (start === 0) {
      try {
        return [JSON.parse(line) as AuditEvent];
      } catch {
        return [];
      }
    }
    const fields = parseTextLine(line);
    return fields ? [fields as AuditEvent] : [];
  });
}
