import { Config } from '@backstage/config';

/**
 * What one live check found: `ok` and `problem` decide the exit code; an
 * `info` line is for the operator to compare by eye (a redirect URI) and
 * never fails the run.
 */
export type DoctorOutcome =
  | { status: 'ok'; message: string }
  | { status: 'problem'; message: string; fix: string }
  | { status: 'info'; message: string };

/** What a check's run gets besides the config. */
export interface DoctorRunContext {
  /** Aborted when the check's time is up: close what it opened. */
  signal: AbortSignal;
  /** The time the check has, for a client's own connect and request timeouts. */
  timeoutMs: number;
}

/** One live check of a credential or an endpoint the final config names. */
export interface DoctorCheck {
  /** The config key it checks, e.g. `catalog.providers.ldapOrg.default`. */
  id: string;
  title: string;
  run(config: Config, context: DoctorRunContext): Promise<DoctorOutcome>;
}

/**
 * How a check names a config key to the operator: the environment
 * variables the selected presets set it from, beside the key, so a fix
 * says what to change (`LDAP_SECRET (catalog.providers.ldapOrg.default.bind.secret)`),
 * or the key alone when no preset writes it.
 */
export type NameKey = (key: string) => string;

/**
 * The checks of one config key the presets produce, built from the final
 * config: one per provider it configures, say.
 */
export type DoctorCheckFactory = (
  config: Config,
  name: NameKey,
) => DoctorCheck[];

/** The message of an error, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The blocks of a map of catalog providers by id
 * (`catalog.providers.<kind>.<id>`), each with its config key.
 */
export function providerBlocks(
  config: Config,
  key: string,
): { key: string; block: Config }[] {
  const providers = config.getOptionalConfig(key);
  return (providers?.keys() ?? []).map(id => ({
    key: `${key}.${id}`,
    block: providers!.getConfig(id),
  }));
}

/**
 * A GET of a REST API under its base URL (with or without a trailing
 * slash), for a check that reads the status and headers itself.
 */
export function apiGet(
  apiBaseUrl: string,
  path: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Response> {
  return fetch(`${apiBaseUrl.replace(/\/+$/, '')}${path}`, { headers, signal });
}
