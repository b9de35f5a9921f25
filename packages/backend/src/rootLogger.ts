/*
 * Backstage's root logger, with the config schema that finds the secrets to
 * redact taken from the cache of configSchemaCache.ts instead of being
 * compiled at every boot.
 *
 * Upstream's factory (@backstage/backend-defaults,
 * src/entrypoints/rootLogger/rootLoggerServiceFactory.ts) offers no way to
 * pass the schema, so this one does what it does with the public
 * WinstonLogger and createConfigSecretEnumerator; only the reading of
 * `backend.logger` (src/entrypoints/rootLogger/config.ts there, not
 * exported) is copied.
 */
import {
  coreServices,
  createServiceFactory,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { createConfigSecretEnumerator } from '@backstage/backend-defaults/rootConfig';
import {
  WinstonLogger,
  WinstonLoggerLevelOverride,
} from '@backstage/backend-defaults/rootLogger';
import { JsonObject } from '@backstage/types';
import { config as winstonConfig, format, transports } from 'winston';
import {
  CONFIG_SCHEMA_CACHE_DIR_ENV,
  loadCachedConfigSchema,
} from './configSchemaCache';

// Copied from @backstage/backend-defaults src/entrypoints/rootLogger/config.ts.
function getRootLoggerConfig(config: RootConfigService) {
  const level = config.getOptionalString('backend.logger.level');
  const meta = config
    .getOptionalConfig('backend.logger.meta')
    ?.get<JsonObject>();
  const overrides = config
    .getOptionalConfigArray('backend.logger.overrides')
    ?.map((override, i): WinstonLoggerLevelOverride => {
      const overrideLevel = override.getString('level');
      if (winstonConfig.npm.levels[overrideLevel] === undefined) {
        throw new Error(
          `Invalid config at backend.logger.overrides[${i}].level, '${overrideLevel}' is not a valid logging level, must be one of 'error', 'warn', 'info' or 'debug'.`,
        );
      }
      return {
        matchers: override.getConfig('matchers').get(),
        level: overrideLevel,
      };
    });
  return { meta, level, overrides };
}

/** The root logger service, redacting config secrets found with the cached schema. */
export const cachedSchemaRootLoggerServiceFactory = createServiceFactory({
  service: coreServices.rootLogger,
  deps: { config: coreServices.rootConfig },
  async factory({ config }) {
    const rootLoggerConfig = getRootLoggerConfig(config);
    const logger = WinstonLogger.create({
      meta: { service: 'backstage', ...rootLoggerConfig.meta },
      level: process.env.LOG_LEVEL || rootLoggerConfig.level || 'info',
      format:
        process.env.NODE_ENV === 'production'
          ? format.json()
          : WinstonLogger.colorFormat(),
      transports: [new transports.Console()],
    });

    const { schema } = await loadCachedConfigSchema({
      logger,
      cacheDir: process.env[CONFIG_SCHEMA_CACHE_DIR_ENV] || undefined,
    });
    const secretEnumerator = await createConfigSecretEnumerator({
      logger,
      schema,
    });
    logger.addRedactions(secretEnumerator(config));
    config.subscribe?.(() => logger.addRedactions(secretEnumerator(config)));

    logger.setLevelOverrides(rootLoggerConfig.overrides ?? []);
    config.subscribe?.(() =>
      logger.setLevelOverrides(getRootLoggerConfig(config).overrides ?? []),
    );
    return logger;
  },
});
