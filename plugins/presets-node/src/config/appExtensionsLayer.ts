/*
 * One config rule of our own on top of Backstage's layering: the
 * `app.extensions` lists of all layers add up instead of replacing each
 * other.
 *
 * Why: presets switch frontend features on and off the way they switch
 * backend plugins, through the new frontend system's `app.extensions`
 * (`- page:tech-radar: true`). That key is an array, and Backstage's config
 * replaces an array with the one of the highest layer that sets it, so the
 * `kubernetes` preset's list would wipe out the base config's list and the
 * `recommended` preset's list. The frontend reads the list in order and lets
 * a later entry for an extension override an earlier one (its `disabled`,
 * `config` and `attachTo`), so lowest layer first is exactly "the higher
 * layer wins, per extension".
 */
import {
  ConfigSource,
  ConfigSourceData,
  ReadConfigDataOptions,
} from '@backstage/config-loader';
import { JsonValue } from '@backstage/types';

/** The `context` of the layer that holds the concatenated list. */
export const APP_EXTENSIONS_CONTEXT =
  'app.extensions of every layer, lowest first';

function appExtensionsOf(config: ConfigSourceData): JsonValue | undefined {
  const app = config.data.app;
  if (app === null || typeof app !== 'object' || Array.isArray(app)) {
    return undefined;
  }
  return app.extensions;
}

/**
 * The configs of a merged source, lowest precedence first, plus one layer
 * on top that sets `app.extensions` to every layer's list concatenated,
 * lowest layer first. Unchanged when fewer than two layers set the key, or
 * when one sets it to something other than a list (the frontend then reports
 * the invalid value as it would without this rule).
 *
 * @public
 */
export function withConcatenatedAppExtensions(
  configs: ConfigSourceData[],
): ConfigSourceData[] {
  const lists = configs
    .map(appExtensionsOf)
    .filter(value => value !== undefined);
  if (lists.length < 2 || !lists.every(Array.isArray)) {
    return configs;
  }
  return [
    ...configs,
    {
      data: { app: { extensions: lists.flat() } },
      context: APP_EXTENSIONS_CONTEXT,
    },
  ];
}

/**
 * `source` with {@link withConcatenatedAppExtensions} applied to every
 * reading, so a file that changes in watch mode is concatenated anew.
 */
export function concatenateAppExtensions(source: ConfigSource): ConfigSource {
  return {
    async *readConfigData(options?: ReadConfigDataOptions) {
      for await (const { configs } of source.readConfigData(options)) {
        yield { configs: withConcatenatedAppExtensions(configs) };
      }
    },
  };
}
