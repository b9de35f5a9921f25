import fs from 'fs';
import { relative, resolve } from 'path';
import parseArgs from 'minimist';
import { targetPaths } from '@backstage/cli-common';
import {
  ConfigSource,
  ConfigSources,
  EnvConfigSource,
  FileConfigSource,
  Parser,
  StaticConfigSource,
} from '@backstage/config-loader';
import { parseDocument } from 'yaml';
import {
  ALLOW_GUEST_ENV,
  defaultShippedDir,
  deriveVariables,
  DEVPORTAL_DB_PATH_ENV,
  EachBlockError,
  expandEach,
  platformDatabaseConfig,
  platformGuestConfig,
  Preset,
  readPlatformPreset,
  resolveVariableValues,
  ResolvedPluginEntry,
  selectionDerivedVariables,
  splitList,
  VEECODE_APP_CONFIG_ENV,
} from '@devportal/plugin-presets-common';
import { JsonObject } from '@backstage/types';
import { concatenateAppExtensions } from './appExtensionsLayer';

/** Options for {@link createPresetConfigSource}. @public */
export interface PresetConfigSourceOptions {
  /** The selected presets, in selection order. */
  presets: Preset[];
  /**
   * The resolved plugin entries: each enabled npm entry's `pluginConfig`
   * is layered just above the `appConfig` of the preset that enabled it.
   */
  plugins?: ResolvedPluginEntry[];
  /** The decoded `VEECODE_APP_CONFIG` document. */
  veecodeAppConfig?: JsonObject;
  /** Command line, for `--config` and `--base-config`; defaults to `process.argv`. */
  argv?: string[];
  /** Environment for `APP_CONFIG_*` overrides; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Folder holding `app-config.yaml`; defaults to the repository root. */
  rootDir?: string;
  /** Watch files for changes; defaults to `true` like Backstage's own sources. */
  watch?: boolean;
}

/**
 * A preset file is a valid source of config: its `appConfig` block is read
 * by Backstage's own `FileConfigSource`, so `${VAR}`, `${VAR:-default}`,
 * `$env`, `$file` and `$include` behave exactly as in app-config files, and
 * edits are picked up in watch mode. Its `$each` blocks are expanded first
 * (docs/derived-values.md, "Lists"): Backstage's substitution yields
 * strings, and a comma list must become a list or one entry per item.
 */
function presetAppConfigParser(
  source: string,
  valueOf: (name: string) => string | undefined,
): Parser {
  return async ({ contents }) => {
    const appConfig = parseDocument(contents).toJS()?.appConfig ?? {};
    try {
      return { result: expandEach(appConfig, valueOf) as JsonObject };
    } catch (error) {
      if (error instanceof EachBlockError) {
        throw new Error(`${source}: ${error.message}`);
      }
      throw error;
    }
  };
}

/**
 * The `pluginConfig` of the npm plugins a preset enables, as the dynamic
 * plugin installers layer it: above the preset's own `appConfig`, below
 * everything the operator sets.
 */
function pluginConfigLayers(
  preset: Preset,
  plugins: ResolvedPluginEntry[],
): PresetConfigLayer[] {
  return plugins
    .filter(
      p =>
        p.preset === preset.name &&
        p.kind === 'npm' &&
        !p.disabled &&
        p.pluginConfig,
    )
    .map(p => {
      const label = `${preset.name} preset, plugin ${p.package}`;
      return {
        kind: 'plugin' as const,
        label,
        source: StaticConfigSource.create({
          data: p.pluginConfig!,
          context: label,
        }),
      };
    });
}

function envFileNames(env: Record<string, string | undefined>, local: boolean) {
  return splitList(env.BACKSTAGE_ENV).map(
    e => `app-config.${e}${local ? '.local' : ''}.yaml`,
  );
}

/** What kind of layer a {@link PresetConfigLayer} is. @public */
export type PresetConfigLayerKind =
  | 'file'
  | 'platform'
  | 'preset'
  | 'plugin'
  | 'veecode-app-config'
  | 'env';

/** One layer of the config of a DevPortal backend, and where it comes from. @public */
export interface PresetConfigLayer {
  kind: PresetConfigLayerKind;
  /**
   * Where the layer comes from, for a reader: a file path (relative to the
   * root folder when inside it, with `--base-config`/`--config` for files
   * named on the command line), a preset, `VEECODE_APP_CONFIG`, or
   * `APP_CONFIG_*`.
   */
  label: string;
  source: ConfigSource;
}

/**
 * The layers of the config of a DevPortal backend, lowest precedence first:
 *
 * 1. `app-config.yaml` (and `app-config.<BACKSTAGE_ENV>.yaml`), then the
 *    platform's defaults: guest sign-in (on unless NODE_ENV=production,
 *    there only with `DEVPORTAL_ALLOW_GUEST=true`) and the database
 *    (`DEVPORTAL_DB_PATH`: SQLite on disk)
 * 2. files given with `--base-config`
 * 3. each selected preset's `appConfig`, in selection order
 * 4. `app-config.local.yaml` (and `app-config.<BACKSTAGE_ENV>.local.yaml`)
 * 5. files given with `--config`
 * 6. `VEECODE_APP_CONFIG`
 * 7. `APP_CONFIG_*` environment variables
 *
 * {@link createPresetConfigSource} merges exactly these, so a tool that
 * reads them one by one (`presets explain`) sees what the backend loads.
 *
 * @public
 */
export function presetConfigLayers(
  options: PresetConfigSourceOptions,
): PresetConfigLayer[] {
  const env = options.env ?? process.env;
  const rootDir = options.rootDir ?? targetPaths.rootDir;
  const watch = options.watch;
  const args = parseArgs(options.argv ?? process.argv, {
    string: ['config', 'base-config'],
  });
  const list = (value: unknown) =>
    [value]
      .flat()
      .filter((v): v is string => typeof v === 'string' && v !== '')
      .map(p => resolve(p));

  // Backstage's own substitution, reading the same environment the
  // selection was checked against (the default reads process.env), with
  // each variable's value where the operator put it (own name, alias or
  // file), plus the values the platform and the selected presets derive
  // from it (the gate has reported any problem with either).
  const values = resolveVariableValues(options.presets, env).env;
  const derived = deriveVariables(
    selectionDerivedVariables(
      options.presets,
      readPlatformPreset(defaultShippedDir(rootDir)).preset,
    ).definitions,
    values,
  );
  const valueOf = (name: string) =>
    derived.has(name) ? derived.get(name) : values[name]?.trim();
  const substitutionFunc = async (name: string) => valueOf(name);
  const shown = (path: string) => {
    const inRoot = relative(rootDir, path);
    return inRoot.startsWith('..') ? path : inRoot;
  };
  const file =
    (flag = '') =>
    (path: string): PresetConfigLayer => ({
      kind: 'file',
      label: `${flag}${shown(path)}`,
      source: FileConfigSource.create({ path, watch, substitutionFunc }),
    });
  const optionalFiles = (names: string[]) =>
    names
      .map(name => resolve(rootDir, name))
      .filter(path => fs.existsSync(path))
      .map(file());

  const basePath = resolve(rootDir, 'app-config.yaml');
  const localPath = resolve(rootDir, 'app-config.local.yaml');
  // A file named explicitly with --config that is already a fixed layer
  // stays in its own layer, so presets keep their place above the base.
  const fixed = new Set([basePath, localPath]);

  const layers: PresetConfigLayer[] = [
    ...optionalFiles(['app-config.yaml', ...envFileNames(env, false)]),
    platformGuestLayer(env),
    ...platformDatabaseLayer(env, options.presets),
    ...list(args['base-config']).map(file('--base-config ')),
    ...options.presets.flatMap(preset => [
      {
        kind: 'preset' as const,
        label: `${preset.name} preset`,
        source: FileConfigSource.create({
          path: preset.source,
          watch,
          substitutionFunc,
          parser: presetAppConfigParser(preset.source, valueOf),
        }),
      },
      ...pluginConfigLayers(preset, options.plugins ?? []),
    ]),
    ...optionalFiles(['app-config.local.yaml', ...envFileNames(env, true)]),
    ...list(args.config)
      .filter(path => !fixed.has(path))
      .map(file('--config ')),
  ];
  if (options.veecodeAppConfig) {
    layers.push({
      kind: 'veecode-app-config',
      label: VEECODE_APP_CONFIG_ENV,
      source: StaticConfigSource.create({
        data: options.veecodeAppConfig,
        context: VEECODE_APP_CONFIG_ENV,
      }),
    });
  }
  layers.push({
    kind: 'env',
    label: 'APP_CONFIG_*',
    source: EnvConfigSource.create({ env }),
  });
  return layers;
}

/**
 * The layered config source of a DevPortal backend: the layers of
 * `presetConfigLayers`, merged. Objects deep-merge, arrays and
 * scalars are replaced by the higher layer: the merging is Backstage's own,
 * with one exception: the `app.extensions` lists of all layers are
 * concatenated, lowest layer first, so a preset that switches a frontend
 * extension on or off adds to the base config's list and to the other
 * presets' lists instead of replacing them (the frontend lets a later entry
 * for the same extension override an earlier one).
 *
 * @public
 */
export function createPresetConfigSource(
  options: PresetConfigSourceOptions,
): ConfigSource {
  return concatenateAppExtensions(
    ConfigSources.merge(presetConfigLayers(options).map(l => l.source)),
  );
}

/**
 * {@link platformGuestConfig} as a config layer, right above
 * app-config.yaml, so that the base config never opens guest sign-in in
 * production by itself.
 */
function platformGuestLayer(
  env: Record<string, string | undefined>,
): PresetConfigLayer {
  const label = `guest sign-in (NODE_ENV, ${ALLOW_GUEST_ENV})`;
  return {
    kind: 'platform',
    label,
    source: StaticConfigSource.create({
      data: platformGuestConfig(env),
      context: label,
    }),
  };
}

/**
 * {@link platformDatabaseConfig} as a config layer, right above
 * app-config.yaml: a platform default, which presets and the operator's
 * own config still override.
 */
function platformDatabaseLayer(
  env: Record<string, string | undefined>,
  presets: Preset[],
): PresetConfigLayer[] {
  const data = platformDatabaseConfig(env, presets);
  if (!data) {
    return [];
  }
  return [
    {
      kind: 'platform',
      label: DEVPORTAL_DB_PATH_ENV,
      source: StaticConfigSource.create({
        data,
        context: DEVPORTAL_DB_PATH_ENV,
      }),
    },
  ];
}
