import { ServiceFactory } from '@backstage/backend-plugin-api';
import { resolvePresetsOrThrow } from '@devportal/plugin-presets-common';
import { presetsRootConfigServiceFactory } from '../config/presetsRootConfigServiceFactory';
import { presetsServiceFactory } from '../service/presetsService';

/** Options for {@link presetsTestServices}. @public */
export interface PresetsTestServicesOptions {
  /** The variables the presets read, `VEECODE_PRESETS` among them. */
  env: Record<string, string>;
  /** A folder laid out as the repository, with its preset catalog. */
  rootDir: string;
}

/**
 * The presets service and the presets root config for a test backend
 * (`startTestBackend`), both from one resolution of the presets of
 * `rootDir` that `env` selects, layered as the backend layers them at boot:
 * no command-line arguments, no file watching.
 *
 * @public
 */
export function presetsTestServices(
  options: PresetsTestServicesOptions,
): ServiceFactory[] {
  const { env, rootDir } = options;
  const resolution = resolvePresetsOrThrow({ env, rootDir });
  return [
    presetsServiceFactory({ resolution }),
    presetsRootConfigServiceFactory({
      resolution,
      env,
      argv: [],
      rootDir,
      watch: false,
    }),
  ];
}
