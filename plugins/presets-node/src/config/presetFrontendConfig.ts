/*
 * The config a frontend dev server needs for a preset selection.
 *
 * Why: `backstage-cli package start` builds the app's config from
 * app-config files only, so what the selected presets contribute to the
 * frontend (the sign-in page, its providers, guest sign-in, the presets'
 * `app.extensions`) and the derived variables (APP_BASE_URL) never reach it.
 * The backend serves its own built app with its own layered config (the
 * app backend plugin injects it), so only `yarn dev` needs this: it writes
 * the result to a file and hands that file to the dev server as its config.
 */
import { resolve } from 'path';
import { targetPaths } from '@backstage/cli-common';
import { ConfigReader } from '@backstage/config';
import { ConfigSchema, loadConfigSchema } from '@backstage/config-loader';
import { JsonObject } from '@backstage/types';
import {
  PresetConfigSourceOptions,
  createPresetConfigSource,
} from './createPresetConfigSource';

/** Options for {@link presetFrontendConfigs}. @public */
export interface PresetFrontendConfigOptions
  extends Omit<PresetConfigSourceOptions, 'watch'> {
  /**
   * The config schema that says which keys the frontend may see. Defaults
   * to the schema of the app package (`appDir`) and everything it depends
   * on, as the dev server itself collects it.
   */
  schema?: ConfigSchema;
  /** The app package; defaults to `<rootDir>/packages/app`. */
  appDir?: string;
}

/**
 * The config schema of the app in `appDir` and its dependencies, plus the
 * repository root's package.json: the schema `backstage-cli package start`
 * applies to the app's config.
 *
 * @public
 */
export async function loadAppConfigSchema(options: {
  rootDir?: string;
  appDir?: string;
}): Promise<ConfigSchema> {
  const rootDir = options.rootDir ?? targetPaths.rootDir;
  const appDir = options.appDir ?? resolve(rootDir, 'packages/app');
  return loadConfigSchema({
    dependencies: [],
    packagePaths: [
      resolve(appDir, 'package.json'),
      resolve(rootDir, 'package.json'),
    ],
    // A broken schema elsewhere must not stop the dev server; the backend
    // validates its own config at boot.
    onSchemaError: () => {},
  });
}

/**
 * The frontend-visible part of the config a DevPortal backend loads for a
 * selection: every layer of `presetConfigLayers` merged exactly as
 * {@link createPresetConfigSource} merges them (presets in selection
 * order, `app.extensions` of all layers concatenated, derived variables
 * substituted), then filtered by the schema's `@visibility frontend`, the
 * same filter the dev server and the app backend apply. Keys without a
 * frontend visibility, and with it every secret, are left out.
 *
 * Yields the config once, or, with `watch`, again after every change of a
 * layer's file (the backend's own config reloads the same way), until
 * `signal` aborts.
 *
 * @public
 */
export async function* presetFrontendConfigs(
  options: PresetFrontendConfigOptions & {
    watch?: boolean;
    signal?: AbortSignal;
  },
): AsyncGenerator<JsonObject> {
  const { watch = false, signal, schema: given, appDir, ...layers } = options;
  const schema =
    given ?? (await loadAppConfigSchema({ rootDir: options.rootDir, appDir }));
  const source = createPresetConfigSource({ ...layers, watch });
  for await (const { configs } of source.readConfigData({ signal })) {
    const visible = schema.process(configs, {
      visibility: ['frontend'],
      ignoreSchemaErrors: true,
    });
    yield ConfigReader.fromConfigs(visible).get<JsonObject>();
    if (!watch) {
      return;
    }
  }
}

/**
 * The frontend config of {@link presetFrontendConfigs}, read once.
 *
 * @public
 */
export async function readPresetFrontendConfig(
  options: PresetFrontendConfigOptions,
): Promise<JsonObject> {
  for await (const config of presetFrontendConfigs({
    ...options,
    watch: false,
  })) {
    return config;
  }
  throw new Error('the config sources yielded no config');
}
