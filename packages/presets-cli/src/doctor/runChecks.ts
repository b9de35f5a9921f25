import { Config } from '@backstage/config';
import { Preset, configKeyVariables } from '@devportal/plugin-presets-common';
import { redactText } from '@devportal/plugin-presets-node';
import { DoctorCheck, DoctorCheckFactory, errorMessage } from './doctorCheck';
import { Paint } from '../terminal';

/** A check's verdict as `doctor` reports it; the `--json` shape, so keep it stable. */
export interface DoctorCheckResult {
  /** The config key checked. */
  id: string;
  /** The selected presets that write the key, or empty when only the operator's config does. */
  presets: string[];
  title: string;
  status: 'ok' | 'problem' | 'info';
  message: string;
  /** What to change, naming the variable; on a problem only. */
  fix?: string;
}

/** Options of {@link runChecks}. */
export interface RunChecksOptions {
  /** The final layered config, as the backend would get it. */
  config: Config;
  presets: ReadonlyArray<Preset>;
  /** The checks, keyed on the config key whose presence switches them on. */
  table: Record<string, DoctorCheckFactory>;
  /** Each check's time. */
  timeoutMs: number;
  /** Values never to show (the selection's secrets). */
  secrets: string[];
}

/** The selected presets whose own config writes a key. */
function presetsWriting(presets: ReadonlyArray<Preset>, key: string): string[] {
  const path = key.split('.');
  return presets
    .filter(preset => {
      let node: unknown = preset.appConfig;
      for (const segment of path) {
        if (node === null || typeof node !== 'object') {
          return false;
        }
        node = (node as Record<string, unknown>)[segment];
      }
      return node !== undefined;
    })
    .map(preset => preset.name);
}

/** A check against the clock: past its time, it is aborted and a problem. */
async function runOne(check: DoctorCheck, config: Config, timeoutMs: number) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    // Settled before the abort, so a check that answers on abort is late.
    timer = setTimeout(() => {
      reject(new Error('timeout'));
      controller.abort();
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      check.run(config, { signal: controller.signal, timeoutMs }),
      timedOut,
    ]);
  } catch (error) {
    return controller.signal.aborted
      ? {
          status: 'problem' as const,
          message: `no answer within ${timeoutMs / 1000} s`,
          fix: `Check that the endpoint ${check.id} names is reachable from here, or allow more time with --timeout`,
        }
      : {
          status: 'problem' as const,
          message: errorMessage(error),
          fix: `Check the config of ${check.id}`,
        };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every check the final config switches on, all at once, each with
 * its own timeout; a secret value in any message is redacted.
 */
export async function runChecks(
  options: RunChecksOptions,
): Promise<DoctorCheckResult[]> {
  const { config, presets, table, timeoutMs, secrets } = options;
  const name = (key: string) => {
    const variables = configKeyVariables(presets, key);
    return variables.length > 0 ? `${variables.join(' or ')} (${key})` : key;
  };
  const checks = Object.entries(table).flatMap(([key, factory]) =>
    config.has(key)
      ? factory(config, name).map(check => ({
          check,
          presets: presetsWriting(presets, key),
        }))
      : [],
  );
  return Promise.all(
    checks.map(async ({ check, presets: writers }) => {
      const outcome = await runOne(check, config, timeoutMs);
      return {
        id: check.id,
        presets: writers,
        title: check.title,
        status: outcome.status,
        message: redactText(outcome.message, secrets),
        ...('fix' in outcome && { fix: redactText(outcome.fix, secrets) }),
      };
    }),
  );
}

const MARKS = {
  ok: (paint: Paint) => paint.green('✓'),
  problem: (paint: Paint) => paint.red('✗'),
  info: (paint: Paint) => paint.bold('i'),
};

/** One line per check (a fix on the line below a problem). */
export function formatCheckResults(
  results: DoctorCheckResult[],
  paint: Paint,
): string {
  return results
    .map(result => {
      const from =
        result.presets.length > 0 ? ` (${result.presets.join(', ')})` : '';
      const line = `${MARKS[result.status](paint)} ${result.title}, ${
        result.id
      }${from}: ${result.message}`;
      return result.fix ? `${line}\n    fix: ${result.fix}` : line;
    })
    .map(line => `${line}\n`)
    .join('');
}
