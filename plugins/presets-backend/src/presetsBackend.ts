import {
  BackendFeature,
  coreServices,
  createBackendFeatureLoader,
} from '@backstage/backend-plugin-api';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import { planPluginLoading } from './planPluginLoading';
import { oauthServerGuardModule } from './oauthServerGuard/module';
import { presetsPlugin } from './presetsPlugin';
import { dynamicPluginsInfoPlugin } from './dynamicPluginsInfoPlugin';

/** Options for {@link presetsBackend}. @public */
export interface PresetsBackendOptions {
  /**
   * Packages the backend adds itself. A preset that names one of them does
   * not add it a second time (Backstage refuses a plugin registered twice);
   * it is reported instead.
   */
  builtIn: string[];
  /** Folders the plugin packages are imported from; defaults to the current directory. */
  from?: string[];
}

/**
 * Adds the npm backend plugins the selected presets name (entries whose
 * `package` is an npm package and that are not disabled), and nothing
 * else, through Backstage's feature loader; plus the two routes that say
 * what is loaded. Both routes need an authenticated caller. Also adds the
 * auth module that guards Backstage's OAuth authorization server (see
 * `oauthServerGuardModule`).
 *
 * @public
 */
export function presetsBackend(options: PresetsBackendOptions) {
  const from = options.from ?? [process.cwd()];
  return createBackendFeatureLoader({
    deps: { presets: presetsServiceRef, logger: coreServices.rootLogger },
    async loader({ presets, logger }) {
      const plan = planPluginLoading({
        plugins: presets.plugins,
        builtIn: options.builtIn,
        from,
      });
      for (const p of plan.alreadyAdded) {
        logger.info(
          `Preset "${p.preset}" enables ${p.package}, which this backend always adds; registered once`,
        );
      }
      const features: BackendFeature[] = [];
      for (const p of plan.load) {
        // require, not import(): Backstage backends run as CommonJS, and so
        // do the tests (Jest's VM has no dynamic import without a flag).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const imported = require(p.entry!);
        features.push(imported.default);
        logger.info(
          `Preset "${p.preset}" adds ${p.package}@${p.version} (${p.role})`,
        );
      }
      const loaded = () => plan.all;
      return [
        ...features,
        presetsPlugin(loaded),
        dynamicPluginsInfoPlugin(loaded),
        // Guards the auth plugin's OAuth server (MCP clients) whenever it
        // is on, whichever preset or config turned it on.
        oauthServerGuardModule,
      ];
    },
  });
}
