/** One sample of a Prometheus text exposition: a metric line's name, labels and value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments and blank lines skipped). */
export function parseMetrics(text: string): MetricSample[] {
  return text
    .split('\n')
    .filter(line => line && !line.startsWith('#'))
    .flatMap(line => {
      const match = SAMPLE.exec(line);
      if (!match) return [];
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(LABEL)].map(([, k, v]) => [
          k,
          v.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c)),
        ]),
      );
      return [{ name: match[1], labels, value: Number(match[3]) }];
    });
}

/** Scrapes a backend's metrics port: the raw text and its samples. */
export async function scrapeMetrics(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) {
    throw new Error(`GET /metrics on port ${port} answered ${res.status}`);
  }
  const text = await res.text();
  return { text, samples: parseMetrics(text) };
}

/**
 * The value of the one sample named `name` whose labels include `labels`;
 * undefined when there is none.
 */
export function sampleValue(
  samples: MetricSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    s =>
      s.name === name &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) {
    throw new Error(
      `${found.length} samples of ${name} match ${JSON.stringify(labels)}`,
    );
  }
  return found[0]?.value;
}
