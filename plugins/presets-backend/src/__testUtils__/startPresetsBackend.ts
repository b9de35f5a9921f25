import request from 'supertest';
import { BackendFeature } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { resolvePresetsOrThrow } from '@devportal/plugin-presets-common';
import { presetsServiceFactory } from '@devportal/plugin-presets-node';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { presetsBackend } from '../presetsBackend';

/** Options for {@link startPresetsBackend}. */
export interface StartPresetsBackendOptions {
  /** The value of `VEECODE_PRESETS`: the comma-separated presets to select. */
  selection: string;
  /** The folder of preset YAML files (`VEECODE_PRESETS_PATH`); the fixture catalog's presets only without it. */
  presetsPath?: string;
  /** Further variables the selected presets read. */
  env?: Record<string, string>;
  /** Packages the backend is said to add itself (see `presetsBackend`). */
  builtIn?: string[];
  /**
   * Folders plugin packages are installed in: both preset resolution and
   * the loader look there, as they do at the same `cwd` in a real backend.
   */
  pluginsFrom?: string[];
  /**
   * More features to run beside the presets plugin, such as a root config
   * (`mockServices.rootConfig.factory`) or a logger mock's `factory`.
   */
  features?: BackendFeature[];
}

/**
 * Starts a test backend with the presets service, resolved from real preset
 * files the way the backend resolves them at boot, and the presets plugin.
 * No caller is signed in unless a request says so (see {@link asUser}).
 */
export async function startPresetsBackend(options: StartPresetsBackendOptions) {
  const resolution = resolvePresetsOrThrow({
    env: {
      VEECODE_PRESETS: options.selection,
      VEECODE_PRESETS_PATH: options.presetsPath,
      ...options.env,
    },
    // The fixture catalog stands in for the shipped one.
    rootDir: FIXTURE_CATALOG_ROOT,
    pluginsFrom: options.pluginsFrom,
  });
  return startTestBackend({
    features: [
      presetsServiceFactory({ resolution }),
      presetsBackend({
        builtIn: options.builtIn ?? [],
        from: options.pluginsFrom,
      }),
      ...(options.features ?? []),
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
    ],
  });
}

/** Headers of a signed-in user. */
const asUser = { Authorization: mockCredentials.user.header() };

/** `GET route` on the test backend as a signed-in user. */
export function getAsUser(backend: TestBackend, route: string) {
  return request(backend.server).get(route).set(asUser);
}
