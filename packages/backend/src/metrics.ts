/*
 * Prometheus metrics, as Backstage's "Setup OpenTelemetry" and RHDH do it:
 * an OpenTelemetry meter provider with the Prometheus exporter, registered
 * before the backend is loaded. Backstage's own packages (catalog,
 * scheduler, ...) and our modules get their meters from
 * @opentelemetry/api, whose meters bind to the provider registered when
 * they are created: one registered later is never used.
 *
 * Metrics only: no tracing SDK, so nothing sends spans anywhere.
 */
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { EXIT_CONFIG } from '@devportal/plugin-presets-common';

/** The variable that sets (or turns off) the metrics port. */
export const METRICS_PORT_ENV = 'DEVPORTAL_METRICS_PORT';

/** RHDH's port for Prometheus metrics, ours by default. */
export const DEFAULT_METRICS_PORT = 9464;

/**
 * Where the metrics are served according to the environment: a port, or
 * `off` (`0` or `off`), or what is wrong with the value.
 */
export function readMetricsPort(
  env: NodeJS.ProcessEnv,
): { port: number } | { off: true } | { problem: string } {
  const value = env[METRICS_PORT_ENV]?.trim();
  if (value === undefined || value === '') {
    return { port: DEFAULT_METRICS_PORT };
  }
  if (value === '0' || value.toLowerCase() === 'off') {
    return { off: true };
  }
  const port = Number(value);
  if (/^\d+$/.test(value) && port <= 65535) {
    return { port };
  }
  return {
    problem: `${METRICS_PORT_ENV} must be a port number (1-65535), or 0 or off to serve no metrics; it is "${value}"`,
  };
}

/**
 * Serves Prometheus text at http://<host>:<port>/metrics and registers the
 * meter provider every meter of the backend reports to. Resolves to the
 * port, or undefined when metrics are off; ends the process with exit code
 * 78 and one line naming the variable when the value is wrong or the port
 * cannot be listened on.
 */
export async function startMetricsOrExit(): Promise<number | undefined> {
  const setting = readMetricsPort(process.env);
  if ('off' in setting) {
    return undefined;
  }
  if ('problem' in setting) {
    process.stderr.write(`${setting.problem}\n`);
    process.exit(EXIT_CONFIG);
  }
  const exporter = new PrometheusExporter({
    port: setting.port,
    preventServerStart: true,
  });
  try {
    await exporter.startServer();
  } catch (error) {
    process.stderr.write(
      `Cannot serve metrics on port ${setting.port} (${
        (error as NodeJS.ErrnoException).code ?? String(error)
      }); set ${METRICS_PORT_ENV} to a free port, or to off to serve no metrics\n`,
    );
    process.exit(EXIT_CONFIG);
  }
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
  return setting.port;
}
