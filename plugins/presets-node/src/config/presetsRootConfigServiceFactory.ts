import {
  RootConfigService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ConfigSources } from '@backstage/config-loader';
import {
  PresetResolution,
  resolvePresetsOrThrow,
} from '@devportal/plugin-presets-common';
import {
  PresetConfigSourceOptions,
  createPresetConfigSource,
} from './createPresetConfigSource';

/** Options for {@link readPresetConfig}. @public */
export interface ReadPresetConfigOptions
  extends Omit<
    PresetConfigSourceOptions,
    'presets' | 'plugins' | 'veecodeAppConfig'
  > {
  /** The checked selection whose presets are layered in. */
  resolution: PresetResolution;
}

/**
 * Reads the layered config of a DevPortal backend for a checked selection:
 * what {@link presetsRootConfigServiceFactory} serves. A backend that needs
 * the config before it starts (to check its database first) reads it once
 * here and hands the result to the factory.
 *
 * @public
 */
export async function readPresetConfig(
  options: ReadPresetConfigOptions,
): Promise<RootConfigService> {
  const { resolution, ...sourceOptions } = options;
  return await ConfigSources.toConfig(
    createPresetConfigSource({
      ...sourceOptions,
      presets: resolution.presets,
      plugins: resolution.plugins,
      veecodeAppConfig: resolution.veecodeAppConfig,
    }),
  );
}

/** Options for {@link presetsRootConfigServiceFactory}. @public */
export interface PresetsRootConfigOptions {
  /**
   * The config, already read with {@link readPresetConfig}: served as it
   * is, nothing is resolved or read again.
   */
  config?: RootConfigService;
  /** An already checked resolution (from the boot gate); resolved anew when absent. */
  resolution?: PresetResolution;
  argv?: string[];
  env?: Record<string, string | undefined>;
  rootDir?: string;
  watch?: boolean;
}

/**
 * A root config service factory that layers the selected presets'
 * `appConfig` between the base config and the operator's overrides. Replaces
 * the default `rootConfigServiceFactory` of `@backstage/backend-defaults`.
 *
 * @public
 */
export function presetsRootConfigServiceFactory(
  options: PresetsRootConfigOptions = {},
) {
  return createServiceFactory({
    service: coreServices.rootConfig,
    deps: {},
    async factory() {
      const { config, resolution, ...sourceOptions } = options;
      if (config) {
        return config;
      }
      return await readPresetConfig({
        ...sourceOptions,
        resolution:
          resolution ??
          resolvePresetsOrThrow({
            env: options.env,
            rootDir: options.rootDir,
          }),
      });
    },
  });
}
