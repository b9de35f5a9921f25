import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ConfigSources } from '@backstage/config-loader';
import {
  PresetResolution,
  resolvePresetsOrThrow,
} from '@devportal/plugin-presets-common';
import { createPresetConfigSource } from './createPresetConfigSource';

/** Options for {@link presetsRootConfigServiceFactory}. @public */
export interface PresetsRootConfigOptions {
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
      const resolution =
        options.resolution ??
        resolvePresetsOrThrow({ env: options.env, rootDir: options.rootDir });
      const source = createPresetConfigSource({
        presets: resolution.presets,
        plugins: resolution.plugins,
        veecodeAppConfig: resolution.veecodeAppConfig,
        argv: options.argv,
        env: options.env,
        rootDir: options.rootDir,
        watch: options.watch,
      });
      return await ConfigSources.toConfig(source);
    },
  });
}
