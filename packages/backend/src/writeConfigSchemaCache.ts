/*
 * `node packages/backend --write-config-schema-cache`: compiles the config
 * schema into its cache (src/configSchemaCache.ts) and exits, instead of
 * starting the backend. A step of the image build
 * (packages/backend/Dockerfile): in the image, node_modules is read-only to
 * the user the backend runs as, so without it every boot of every
 * container would compile the schema again.
 *
 * This module loads nothing until it runs: src/index.ts imports it before
 * the boot gate.
 */

import type { LoggerService } from '@backstage/backend-plugin-api';

/** The argument of `node packages/backend` that writes the cache and exits. */
export const WRITE_CONFIG_SCHEMA_CACHE_ARG = '--write-config-schema-cache';

/** Writes the cache of the workspace in the working directory; exit code 0, or 1 with the reason. */
export async function writeConfigSchemaCacheAndExit(): Promise<never> {
  // Its exports may arrive under `default`, as src/index.ts explains.
  const imported = await import('./configSchemaCache');
  const { writeConfigSchemaCache, CONFIG_SCHEMA_CACHE_DIR_ENV } =
    (imported as typeof imported & { default?: typeof imported }).default ??
    imported;
  const say = (stream: NodeJS.WriteStream) => (message: string) => {
    stream.write(`${message}\n`);
  };
  const logger: LoggerService = {
    error: say(process.stderr),
    warn: say(process.stderr),
    info: say(process.stdout),
    debug: () => {},
    child: () => logger,
  };
  try {
    await writeConfigSchemaCache({
      logger,
      cacheDir: process.env[CONFIG_SCHEMA_CACHE_DIR_ENV] || undefined,
    });
    process.exit(0);
  } catch (error) {
    process.stderr.write(
      `${WRITE_CONFIG_SCHEMA_CACHE_ARG}: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
}
