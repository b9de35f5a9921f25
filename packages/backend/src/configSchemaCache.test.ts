import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigSchema } from '@backstage/config-loader';
import {
  CONFIG_SCHEMA_CACHE_PATH,
  loadCachedConfigSchema,
  writeConfigSchemaCache,
} from './configSchemaCache';

/** A logger keeping what it is told, at its level. */
function recordingLogger(lines: string[]): LoggerService {
  const at = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
  };
  const logger: LoggerService = {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: () => logger,
  };
  return logger;
}

/** The values the schema marks `@visibility secret` in `data`. */
function secretsOf(schema: ConfigSchema, data: object): string[] {
  const [processed] = schema.process([{ data: data as any, context: 'test' }], {
    visibility: ['secret'],
    ignoreSchemaErrors: true,
  });
  return (
    JSON.stringify(processed.data)
      .match(/value-\w+/g)
      ?.sort() ?? []
  );
}

const CONFIG = { svc: { token: 'value-token', password: 'value-password' } };

/** A JSON schema file with secret string keys under `root`. */
const schemaJson = (root: string, keys: string[]) =>
  JSON.stringify({
    type: 'object',
    properties: {
      [root]: {
        type: 'object',
        properties: Object.fromEntries(
          keys.map(key => [key, { type: 'string', visibility: 'secret' }]),
        ),
      },
    },
  });

/** The same as a TypeScript schema file, which the config-loader compiles. */
const configDts = (keys: string[]) => `export interface Config {
  svc?: {
${keys
  .map(key => `    /** @visibility secret */\n    ${key}?: string;`)
  .join('\n')}
  };
}
`;

describe('loadCachedConfigSchema', () => {
  let dir: string;
  let lines: string[];
  const write = (path: string, content: string) => {
    fs.mkdirSync(join(dir, path, '..'), { recursive: true });
    fs.writeFileSync(join(dir, path), content);
  };
  /** A workspace package `pkgs/<name>` whose config schema is `configSchema`. */
  const writePackage = (name: string, version: string, configSchema: string) =>
    write(
      `pkgs/${name}/package.json`,
      JSON.stringify({ name, version, configSchema }),
    );
  const load = () =>
    loadCachedConfigSchema({ logger: recordingLogger(lines), dir });

  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(join(os.tmpdir(), 'schema-cache-')));
    lines = [];
    write(
      'package.json',
      JSON.stringify({ name: 'root', private: true, workspaces: ['pkgs/*'] }),
    );
    write('yarn.lock', '# lock 1\n');
    writePackage('svc', '1.0.0', 'schema.json');
    write('pkgs/svc/schema.json', schemaJson('svc', ['token']));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes the schema once, then reads it while nothing changed', async () => {
    const cold = await load();
    expect(cold.fromCache).toBe(false);
    expect(secretsOf(cold.schema, CONFIG)).toEqual(['value-token']);
    expect(fs.existsSync(join(dir, CONFIG_SCHEMA_CACHE_PATH))).toBe(true);

    const warm = await load();
    expect(warm.fromCache).toBe(true);
    expect(secretsOf(warm.schema, CONFIG)).toEqual(['value-token']);
    // Only the cache file is left behind, no temporary one.
    expect(fs.readdirSync(join(dir, CONFIG_SCHEMA_CACHE_PATH, '..'))).toEqual([
      'config-schema.json',
    ]);
  });

  it('keeps the cache in the folder it is given', async () => {
    const cacheDir = join(dir, 'elsewhere');
    const cold = await loadCachedConfigSchema({
      logger: recordingLogger(lines),
      dir,
      cacheDir,
    });
    expect(cold.fromCache).toBe(false);
    expect(fs.readdirSync(cacheDir)).toEqual(['config-schema.json']);
    expect(fs.existsSync(join(dir, CONFIG_SCHEMA_CACHE_PATH))).toBe(false);
    expect(
      (
        await loadCachedConfigSchema({
          logger: recordingLogger(lines),
          dir,
          cacheDir,
        })
      ).fromCache,
    ).toBe(true);
  });

  it('recomputes when a workspace schema file gains a secret key', async () => {
    await load();
    write('pkgs/svc/schema.json', schemaJson('svc', ['token', 'password']));

    const changed = await load();
    expect(changed.fromCache).toBe(false);
    expect(secretsOf(changed.schema, CONFIG)).toEqual([
      'value-password',
      'value-token',
    ]);
    expect((await load()).fromCache).toBe(true);
  });

  it('recomputes when yarn.lock or a workspace package.json changes', async () => {
    await load();
    write('yarn.lock', '# lock 2\n');
    expect((await load()).fromCache).toBe(false);

    writePackage('svc', '1.0.1', 'schema.json');
    expect((await load()).fromCache).toBe(false);

    // A new workspace package with a schema of its own.
    writePackage('other', '1.0.0', 'schema.json');
    write('pkgs/other/schema.json', schemaJson('other', ['password']));
    const added = await load();
    expect(added.fromCache).toBe(false);
    expect(
      secretsOf(added.schema, { other: { password: 'value-other' } }),
    ).toEqual(['value-other']);
  });

  it('computes the schema when the cache is unreadable or unwritable', async () => {
    await load();
    write(CONFIG_SCHEMA_CACHE_PATH, '{"key": "half a fi');
    const unreadable = await load();
    expect(unreadable.fromCache).toBe(false);
    expect(secretsOf(unreadable.schema, CONFIG)).toEqual(['value-token']);

    // The cache folder cannot be created: a file is in its way.
    fs.rmSync(join(dir, 'node_modules'), { recursive: true });
    write('node_modules/.cache', 'not a folder');
    const unwritable = await load();
    expect(unwritable.fromCache).toBe(false);
    expect(secretsOf(unwritable.schema, CONFIG)).toEqual(['value-token']);
    expect(lines.filter(line => /^(warn|error):/.test(line))).toEqual([]);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^debug: Config schema cache .* not used/),
        expect.stringMatching(/^debug: Config schema cache .* not written/),
      ]),
    );
  });

  it('writes the cache ahead of a boot (an image build), which then reads it; or says which file it could not write', async () => {
    const written = await writeConfigSchemaCache({
      logger: recordingLogger(lines),
      dir,
    });
    expect(written).toBe(join(dir, CONFIG_SCHEMA_CACHE_PATH));
    expect(lines).toContain(
      `info: Config schema compiled and cached in ${written}`,
    );
    const boot = await load();
    expect(boot.fromCache).toBe(true);
    expect(secretsOf(boot.schema, CONFIG)).toEqual(['value-token']);

    fs.rmSync(join(dir, 'node_modules'), { recursive: true });
    write('node_modules/.cache', 'not a folder');
    await expect(
      writeConfigSchemaCache({ logger: recordingLogger(lines), dir }),
    ).rejects.toThrow(
      `the config schema cache ${written} could not be written: run it as a user that may write that folder, or name another one with CONFIG_SCHEMA_CACHE_DIR`,
    );
  });

  // TypeScript schema files, as Backstage packages ship them, are compiled:
  // slower than the JSON ones above.
  it('recomputes when a config.d.ts gains a secret key', async () => {
    writePackage('svc', '1.0.0', 'config.d.ts');
    write('pkgs/svc/config.d.ts', configDts(['token']));
    const cold = await load();
    expect(secretsOf(cold.schema, CONFIG)).toEqual(['value-token']);
    expect((await load()).fromCache).toBe(true);

    write('pkgs/svc/config.d.ts', configDts(['token', 'password']));
    const changed = await load();
    expect(changed.fromCache).toBe(false);
    expect(secretsOf(changed.schema, CONFIG)).toEqual([
      'value-password',
      'value-token',
    ]);
  }, 30_000);

  it('repeats the schema errors it met on a warm boot', async () => {
    writePackage('svc', '1.0.0', 'config.d.ts');
    write(
      'pkgs/svc/config.d.ts',
      'export interface Config { svc?: { token?: NoSuchType } }\n',
    );
    await load();
    const cold = lines.filter(line => line.startsWith('warn:'));
    expect(cold).toEqual([expect.stringMatching(/NoSuchType/)]);
    lines.length = 0;
    expect((await load()).fromCache).toBe(true);
    expect(lines.filter(line => line.startsWith('warn:'))).toEqual(cold);
  }, 30_000);
});
