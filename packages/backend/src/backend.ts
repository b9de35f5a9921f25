import { createBackend } from '@backstage/backend-defaults';
import {
  EXIT_CONFIG,
  PresetResolution,
  findPresetProblems,
  formatProblems,
  presetsRootConfigServiceFactory,
  presetsServiceFactory,
} from '@devportal/plugin-presets-node';
import { presetsBackend } from '@devportal/plugin-presets-backend';
import { healthcheckPlugin } from './healthcheck';
import { drainingRootHttpRouterServiceFactory } from './drainInFlightRequests';

/**
 * The features this backend always has, by package. A preset that names
 * one of them in its `plugins:` does not add it a second time.
 */
const BUILT_IN_FEATURES = {
  // The portal frontend (packages/app), served at the backend's own URL.
  '@backstage/plugin-app-backend': () =>
    import('@backstage/plugin-app-backend'),
  '@backstage/plugin-auth-backend': () =>
    import('@backstage/plugin-auth-backend'),
  // The selected identity preset's sign-in, or guest sign-in when none is.
  '@devportal/plugin-auth-backend-module-identity-presets': () =>
    import('@devportal/plugin-auth-backend-module-identity-presets'),
  '@backstage/plugin-catalog-backend': () =>
    import('@backstage/plugin-catalog-backend'),
  // The selected presets' org sync and repository discovery.
  '@devportal/plugin-catalog-backend-module-presets': () =>
    import('@devportal/plugin-catalog-backend-module-presets'),
};

/** Assembles the DevPortal backend around an already checked preset selection. */
export function createDevPortalBackend(resolution: PresetResolution) {
  const backend = createBackend();

  backend.add(presetsRootConfigServiceFactory({ resolution }));
  backend.add(presetsServiceFactory({ resolution }));
  // SIGTERM answers the requests in flight before the listener closes.
  backend.add(drainingRootHttpRouterServiceFactory());
  backend.add(healthcheckPlugin);

  for (const load of Object.values(BUILT_IN_FEATURES)) {
    backend.add(load());
  }
  // The npm backend plugins the selected presets name, and the routes
  // that list what is loaded.
  backend.add(presetsBackend({ builtIn: Object.keys(BUILT_IN_FEATURES) }));

  return backend;
}

/**
 * Starts the backend. A preset problem found by a module still ends the
 * process with exit code 78; any other startup failure with 1, instead of
 * leaving a process that never becomes ready.
 */
export async function startBackend(resolution: PresetResolution) {
  try {
    await createDevPortalBackend(resolution).start();
  } catch (error) {
    const problems = findPresetProblems(error);
    if (problems) {
      process.stderr.write(`${formatProblems(problems)}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(
      `Backend failed to start: ${(error as Error)?.message ?? error}\n`,
    );
    process.exit(1);
  }
}
