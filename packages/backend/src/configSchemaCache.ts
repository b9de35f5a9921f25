/*
 * The config schema the root logger uses to find `@visibility secret`
 * values, computed once and kept while its inputs are unchanged.
 *
 * Why: Backstage's root logger collects the schema of every workspace
 * package and all their dependencies at each boot, compiling every
 * config.d.ts with TypeScript, a large share of a boot's CPU
 * (bench/results.md) paid again by every boot of the test suite. Loading the
 * same schema from its serialized form skips the compilation.
 *
 * The schema is decided by which packages are installed (yarn.lock), which
 * packages the workspace holds and what they depend on (every workspace
 * package.json) and the schema files of the workspace packages, which
 * change without a new lock (their configSchema files), and by the
 * config-loader that compiles them. All of these are hashed into the cache
 * key: a stale schema could miss a secret key and leave its value
 * unredacted, so any change recomputes it. Dependencies' schema files
 * change only with their version, that is with yarn.lock. Not covered: a
 * file that a workspace config.d.ts imports by a relative path (ours import
 * only from packages), and node_modules edited by hand.
 *
 * A cache that cannot be read or written never stops a boot: the schema is
 * computed as without it (logged at debug). Writes go to a temporary file
 * renamed into place, so replicas or test workers starting at once never
 * read half a file.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigSchema, loadConfigSchema } from '@backstage/config-loader';
import { getPackages } from '@manypkg/get-packages';

/** Where the cache lives by default, under the workspace root (node_modules is not tracked). */
export const CONFIG_SCHEMA_CACHE_PATH =
  'node_modules/.cache/devportal/config-schema.json';

/**
 * The environment variable naming another folder for the cache, e.g. a
 * writable volume where node_modules is read-only.
 */
export const CONFIG_SCHEMA_CACHE_DIR_ENV = 'CONFIG_SCHEMA_CACHE_DIR';

/** What the cache file holds. */
interface CacheFile {
  key: string;
  /** The schema errors met while computing it, repeated on every boot. */
  warnings: string[];
  schema: ReturnType<ConfigSchema['serialize']>;
}

/** A file's content for the key, or a marker that it is missing. */
async function contentOf(path: string): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch {
    return '<missing>';
  }
}

/** The version of the config-loader compiling the schema. */
function configLoaderVersion(): string {
  return require('@backstage/config-loader/package.json').version;
}

/**
 * Collects the config schema of every package of the workspace found from
 * `dir` and their dependencies (what Backstage's own root logger collects),
 * from the cache when its inputs are unchanged.
 */
export async function loadCachedConfigSchema(options: {
  logger: LoggerService;
  /** Where the workspace is found from; defaults to the working directory. */
  dir?: string;
  /** The cache's folder; defaults to the one of {@link CONFIG_SCHEMA_CACHE_PATH}. */
  cacheDir?: string;
}): Promise<{
  schema: ConfigSchema;
  fromCache: boolean;
  /** The cache file, read or written. */
  cachePath: string;
  /** Whether the cache file now holds this schema (read, or written by this call). */
  cached: boolean;
}> {
  const { logger, dir = process.cwd() } = options;
  const { root, packages } = await getPackages(dir);

  const hash = createHash('sha256');
  const add = (label: string, text: string) =>
    hash.update(`${label}\0${text.length}\0${text}\0`);
  add('config-loader', configLoaderVersion());
  add('yarn.lock', await contentOf(join(root.dir, 'yarn.lock')));
  const sorted = [...packages].sort((a, b) => a.dir.localeCompare(b.dir));
  for (const pkg of sorted) {
    const packageJsonPath = join(pkg.dir, 'package.json');
    add(packageJsonPath, await contentOf(packageJsonPath));
    const configSchema = (pkg.packageJson as { configSchema?: unknown })
      .configSchema;
    if (typeof configSchema === 'string') {
      const schemaPath = resolve(pkg.dir, configSchema);
      add(schemaPath, await contentOf(schemaPath));
    }
  }
  const key = hash.digest('hex');
  const cachePath = options.cacheDir
    ? resolve(options.cacheDir, basename(CONFIG_SCHEMA_CACHE_PATH))
    : join(root.dir, CONFIG_SCHEMA_CACHE_PATH);

  try {
    const cached: CacheFile = JSON.parse(await fs.readFile(cachePath, 'utf8'));
    if (cached.key === key) {
      const schema = await loadConfigSchema({ serialized: cached.schema });
      cached.warnings.forEach(message => logger.warn(message));
      logger.info(`Config schema read from cache ${cachePath}`);
      return { schema, fromCache: true, cachePath, cached: true };
    }
    logger.debug(`Config schema cache ${cachePath} is out of date`);
  } catch (error) {
    logger.debug(
      `Config schema cache ${cachePath} not used: ${(error as Error).message}`,
    );
  }

  const warnings: string[] = [];
  const schema = await loadConfigSchema({
    // By name as Backstage's root logger does, and by path so that the
    // workspace's own packages count wherever their names resolve.
    dependencies: packages.map(p => p.packageJson.name),
    packagePaths: sorted.map(p => join(p.dir, 'package.json')),
    onSchemaError: error => {
      warnings.push(error.message);
      logger.warn(error.message);
    },
  });

  const content: CacheFile = { key, warnings, schema: schema.serialize() };
  const temporary = `${cachePath}.${process.pid}.${randomBytes(6).toString(
    'hex',
  )}.tmp`;
  try {
    await fs.mkdir(dirname(cachePath), { recursive: true });
    await fs.writeFile(temporary, JSON.stringify(content));
    await fs.rename(temporary, cachePath);
    logger.info(`Config schema compiled and cached in ${cachePath}`);
    return { schema, fromCache: false, cachePath, cached: true };
  } catch (error) {
    logger.debug(
      `Config schema cache ${cachePath} not written: ${
        (error as Error).message
      }`,
    );
    await fs.rm(temporary, { force: true }).catch(() => {});
    return { schema, fromCache: false, cachePath, cached: false };
  }
}

/**
 * Compiles the schema of the workspace found from `dir` into its cache, or
 * finds it there already; throws, naming the file, when the cache cannot
 * be written.
 */
export async function writeConfigSchemaCache(options: {
  logger: LoggerService;
  dir?: string;
  cacheDir?: string;
}): Promise<string> {
  const { cachePath, cached } = await loadCachedConfigSchema(options);
  if (!cached) {
    throw new Error(
      `the config schema cache ${cachePath} could not be written: run it as a user that may write that folder, or name another one with CONFIG_SCHEMA_CACHE_DIR`,
    );
  }
  return cachePath;
}
