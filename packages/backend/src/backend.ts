import { createBackend } from '@backstage/backend-defaults';
import {
  EXIT_CONFIG,
  PresetResolution,
  findPresetProblems,
  formatProblems,
  presetsRootConfigServiceFactory,
  presetsServiceFactory,
} from '@devportal/plugin-presets-node';
import { healthcheckPlugin } from './healthcheck';

/** Assembles the DevPortal backend around an already checked preset selection. */
export function createDevPortalBackend(resolution: PresetResolution) {
  const backend = createBackend();

  backend.add(presetsRootConfigServiceFactory({ resolution }));
  backend.add(presetsServiceFactory({ resolution }));
  backend.add(healthcheckPlugin);

  backend.add(import('@backstage/plugin-auth-backend'));
  // The selected identity preset's sign-in, or guest sign-in when none is.
  backend.add(import('@devportal/plugin-auth-backend-module-identity-presets'));

  backend.add(import('@backstage/plugin-catalog-backend'));
  // The selected identity preset's org sync.
  backend.add(
    import('@devportal/plugin-catalog-backend-module-presets'),
  );

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
