import { ConfigSources } from '@backstage/config-loader';
import { resolvePresets } from '@devportal/plugin-presets-common';
import { createPresetConfigSource } from '../config/createPresetConfigSource';

/**
 * The config the backend would load for an environment, from the presets
 * and base config of `rootDir` (a folder laid out as the repository), and
 * the resolution it came from; fails the test on a selection problem.
 */
export async function loadPresetConfig(
  rootDir: string,
  env: Record<string, string>,
) {
  const resolution = resolvePresets({ env, rootDir, pluginsFrom: [rootDir] });
  expect(resolution.problems).toEqual([]);
  const config = await ConfigSources.toConfig(
    createPresetConfigSource({
      presets: resolution.presets,
      env,
      rootDir,
      argv: [],
      watch: false,
    }),
  );
  return { config, resolution };
}

/** The backend.database part of {@link loadPresetConfig}. */
export async function loadDatabaseConfig(
  rootDir: string,
  env: Record<string, string>,
) {
  const { config } = await loadPresetConfig(rootDir, env);
  return config.getOptional('backend.database');
}

/** The variables the postgres preset requires, with values for a test. */
export const postgresEnv = {
  POSTGRES_HOST: 'db.example.com',
  POSTGRES_USER: 'backstage',
  POSTGRES_PASSWORD: 'pw-for-the-test',
};
