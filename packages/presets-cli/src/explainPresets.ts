import { createRequire } from 'module';
import { dirname } from 'path';
import { Config, ConfigReader } from '@backstage/config';
import {
  excerpt,
  findInstalledPackage,
  keysNamedByPreset,
  Preset,
  PresetProblem,
  PresetResolution,
} from '@devportal/plugin-presets-common';
import {
  ConfigLayerData,
  ConfigLeafOrigin,
  configProvenance,
  presetConfigLayers,
  readConfigLayers,
  REDACTED,
  redactText,
  withConcatenatedAppExtensions,
} from '@devportal/plugin-presets-node';
import {
  SelectionOptions,
  resolveSelection,
  selectedPresets,
} from './checkPresets';
import { Paint, formatTable } from './terminal';

/** A plugin entry as `explain` shows it. */
export interface ExplainedPlugin {
  /**
   * The reference as the preset wrote it: the resolved one may carry a
   * registry credential from `PLUGIN_REGISTRY`.
   */
  package: string;
  kind: 'npm' | 'dynamic';
  preset: string;
  enabled: boolean;
}

/** A provider key the selection names, and the presets that name it. */
export interface ExplainedProvider {
  key: string;
  presets: string[];
}

/**
 * A variable of the selection that is set, and the name that supplied its
 * value: its own, an alias, or a `_FILE` name. Never the value.
 */
export interface ExplainedVariable {
  name: string;
  from: string;
}

/** The permission framework as the final config sets it. */
export interface ExplainedPermissions {
  /** `permission.enabled`: off, every signed-in person may do everything. */
  enabled: boolean;
  /**
   * Who the rbac policy lets do everything: the user and group refs of
   * `permission.rbac.admin.users`, as the rbac module reads them.
   */
  admins: string[];
}

/** The outcome of `presets explain`; the `--json` shape, so keep it stable. */
export interface ExplainResult {
  ok: boolean;
  presets: { name: string; version: string }[];
  plugins: ExplainedPlugin[];
  providers: {
    /** Keys below `auth.providers`: the sign-in provider the auth module activates. */
    auth: ExplainedProvider[];
    /** Keys below `catalog.providers`: the org-sync and discovery providers the catalog module schedules. */
    catalog: ExplainedProvider[];
  };
  /** The set variables of the selection, in selection order, each with the name that supplied it. */
  variables: ExplainedVariable[];
  /**
   * Every leaf of the final layered config with the layer it came from,
   * secrets redacted; present when the config was read
   * ({@link explainPresetsWithConfig}).
   */
  config?: ConfigLeafOrigin[];
  /** Present when the config was read ({@link explainPresetsWithConfig}). */
  permissions?: ExplainedPermissions;
  problems: PresetProblem[];
}

/** Provider keys below `path`, in selection order, each with every preset naming it. */
export function providersNamed(
  presets: Preset[],
  path: string[],
): ExplainedProvider[] {
  const byKey = new Map<string, string[]>();
  for (const preset of presets) {
    for (const key of keysNamedByPreset(preset, path)) {
      byKey.set(key, [...(byKey.get(key) ?? []), preset.name]);
    }
  }
  return [...byKey].map(([key, names]) => ({ key, presets: names }));
}

/** What a resolved selection would load. */
function explainResolution(resolution: PresetResolution): ExplainResult {
  return {
    ok: resolution.problems.length === 0,
    presets: selectedPresets(resolution),
    plugins: resolution.plugins.map(p => ({
      package: p.packageReference,
      kind: p.kind,
      preset: p.preset,
      enabled: !p.disabled,
    })),
    providers: {
      auth: providersNamed(resolution.presets, ['auth', 'providers']),
      catalog: providersNamed(resolution.presets, ['catalog', 'providers']),
    },
    variables: Object.entries(resolution.suppliedBy).map(([name, from]) => ({
      name,
      from,
    })),
    problems: resolution.problems,
  };
}

/** `presets explain`: the same resolution as the gate, told as what it loads. */
export function explainPresets(options: SelectionOptions): ExplainResult {
  return explainResolution(resolveSelection(options));
}

/** Options of {@link explainPresetsWithConfig}. */
export type ExplainOptions = SelectionOptions & {
  /**
   * The backend's command line, for its `--config` and `--base-config`
   * files. None by default: the CLI's own arguments are not the backend's.
   */
  argv?: string[];
};

/**
 * How much of a config loader's message is shown: its words, the file
 * path and where in the file ("... at line 5, column 1"), not more.
 */
const CONFIG_ERROR_LENGTH = 200;

/**
 * The config layers of a resolved selection, read through the very layers
 * the backend merges (`explain` and `doctor` both read them here). A layer
 * that cannot be read becomes a problem naming it.
 */
export async function readSelectionLayers(
  resolution: PresetResolution,
  options: Pick<ExplainOptions, 'argv' | 'env' | 'rootDir'>,
): Promise<{ layers: ConfigLayerData[]; problems: PresetProblem[] }> {
  const env = options.env ?? process.env;
  const layers = await readConfigLayers(
    presetConfigLayers({
      presets: resolution.presets,
      plugins: resolution.plugins,
      veecodeAppConfig: resolution.veecodeAppConfig,
      argv: options.argv ?? [],
      env,
      rootDir: options.rootDir,
      watch: false,
    }),
  );
  const problems: PresetProblem[] = layers.flatMap(layer =>
    layer.error === undefined
      ? []
      : [
          {
            kind: 'invalid-config' as const,
            message: `Cannot read the config layer ${layer.label}: ${excerpt(
              // The first line: a YAML error goes on to quote the source.
              redactText(layer.error, resolution.secrets)
                .split('\n')[0]
                .replace(/:$/, ''),
              CONFIG_ERROR_LENGTH,
            )}`,
            hint: `Correct ${layer.label} so that it holds valid config.`,
          },
        ],
  );
  return { layers, problems };
}

/** The merged config of the layers, as the backend reads it. */
export function configOfLayers(layers: ConfigLayerData[]): Config {
  return ConfigReader.fromConfigs(
    layers.flatMap(layer =>
      layer.data.map(data => ({ data, context: layer.label })),
    ),
  );
}

/** The final layered config of a resolved selection, each leaf with its layer. */
async function explainConfig(
  resolution: PresetResolution,
  options: Pick<ExplainOptions, 'argv' | 'env' | 'rootDir'>,
): Promise<{
  config: ConfigLeafOrigin[];
  layers: ConfigLayerData[];
  problems: PresetProblem[];
}> {
  const { layers, problems } = await readSelectionLayers(resolution, options);
  return {
    config: configProvenance(withAppExtensionsLayer(layers), {
      secrets: resolution.secrets,
      env: options.env ?? process.env,
    }),
    layers,
    problems,
  };
}

/**
 * The layers plus the one createPresetConfigSource adds on top when several
 * layers set `app.extensions` (their lists concatenated), so the list
 * explained is the list the backend serves.
 */
function withAppExtensionsLayer(layers: ConfigLayerData[]): ConfigLayerData[] {
  const configs = layers.flatMap(layer =>
    layer.data.map(data => ({ data, context: layer.label })),
  );
  const added = withConcatenatedAppExtensions(configs).slice(configs.length);
  return [
    ...layers,
    ...added.map(({ data, context }) => ({
      label: context,
      kind: 'platform' as const,
      data: [data],
    })),
  ];
}

/** The package of the rbac preset's policy, whose own config reader explain uses. */
const RBAC_MODULE = '@devportal/plugin-permission-backend-module-presets-rbac';

/** What explain needs of the rbac module: its config reader. */
interface RbacModule {
  readRbacConfig(config: Config): { config: { admins: string[] } };
}

/**
 * The rbac module as the backend would load it: from where npm plugins are
 * resolved (the backend package), like every plugin a preset switches on.
 * The CLI does not depend on it, so explaining a selection loads no backend
 * module, and an embedding backend's `npx presets` needs nothing more than
 * the backend already installed. Undefined when it is not installed there:
 * then no preset of the selection loads it either.
 */
function loadRbacModule(pluginsFrom: string[]): RbacModule | undefined {
  const packageJson = findInstalledPackage(RBAC_MODULE, pluginsFrom);
  return packageJson
    ? (createRequire(packageJson)(dirname(packageJson)) as RbacModule)
    : undefined;
}

/**
 * The permission framework and its admins, read from the final config; the
 * admins by the rbac module's own reader.
 */
function permissionsOf(
  layers: ConfigLayerData[],
  pluginsFrom: string[],
): ExplainedPermissions {
  const config = configOfLayers(layers);
  let admins: string[] = [];
  const rbac = config.has('permission.rbac')
    ? loadRbacModule(pluginsFrom)
    : undefined;
  if (rbac) {
    try {
      admins = rbac.readRbacConfig(config).config.admins;
    } catch {
      // Config of the wrong shape: the module refuses it at boot, and
      // explain has no admins to show.
    }
  }
  return {
    enabled: config.getOptional('permission.enabled') === true,
    admins,
  };
}

/**
 * `presets explain` with the final config: what {@link explainPresets}
 * tells, plus every config leaf and the layer it came from.
 */
export async function explainPresetsWithConfig(
  options: ExplainOptions,
): Promise<ExplainResult> {
  const { argv, ...selection } = options;
  const resolution = resolveSelection(selection);
  const explained = explainResolution(resolution);
  const { config, layers, problems } = await explainConfig(resolution, {
    argv,
    env: selection.env,
    rootDir: selection.rootDir,
  });
  const allProblems = [...explained.problems, ...problems];
  return {
    ...explained,
    ok: allProblems.length === 0,
    config,
    permissions: permissionsOf(
      layers,
      selection.pluginsFrom ?? [process.cwd()],
    ),
    problems: allProblems,
  };
}

function formatProviders(providers: ExplainedProvider[]): string {
  return providers.length > 0
    ? providers.map(p => `${p.key} (${p.presets.join(', ')})`).join(', ')
    : '(none)';
}

function formatVariables(variables: ExplainedVariable[]): string {
  return variables.length > 0
    ? variables
        .map(v => (v.from === v.name ? v.name : `${v.name} (from ${v.from})`))
        .join(', ')
    : '(none)';
}

function formatPermissions(
  permissions: ExplainedPermissions,
  paint: Paint,
): string {
  const title = `${paint.bold('Permissions')} (permission.enabled)`;
  if (!permissions.enabled) {
    return `${title}: off, every signed-in person may do everything`;
  }
  return `${title}: on; admins (permission.rbac.admin.users): ${
    permissions.admins.join(', ') || '(none)'
  }`;
}

/**
 * The config leaves as an aligned table: key, layer, value (as JSON). The
 * value comes last: a list can be long, and the last column is not padded.
 */
function formatConfig(config: ConfigLeafOrigin[], paint: Paint): string[] {
  const lines = [
    `${paint.bold('Config')} (each key and the layer it came from)`,
  ];
  if (config.length === 0) {
    return [...lines, '  (none)'];
  }
  const header = ['KEY', 'FROM', 'VALUE'].map(text => ({
    text,
    shown: paint.bold(text),
  }));
  const rows = config.map(leaf => [
    { text: leaf.path },
    { text: leaf.from },
    // Unquoted, so a redacted value reads as a marker rather than a string.
    { text: leaf.value === REDACTED ? REDACTED : JSON.stringify(leaf.value) },
  ]);
  return [...lines, ...formatTable([header, ...rows]).map(l => `  ${l}`)];
}

/** The terminal rendering of an explanation. */
export function formatExplanation(result: ExplainResult, paint: Paint): string {
  const lines = [
    `${paint.bold('Presets')} (config layers, in order): ${
      result.presets.map(p => `${p.name}@${p.version}`).join(', ') ||
      '(none: core only)'
    }`,
    '',
    paint.bold('Plugins'),
  ];
  if (result.plugins.length > 0) {
    const header = ['PACKAGE', 'KIND', 'PRESET', 'STATE'].map(text => ({
      text,
      shown: paint.bold(text),
    }));
    const rows = result.plugins.map(p => [
      { text: p.package },
      { text: p.kind },
      { text: p.preset },
      p.enabled
        ? { text: 'enabled', shown: paint.green('enabled') }
        : { text: 'disabled', shown: paint.yellow('disabled') },
    ]);
    lines.push(...formatTable([header, ...rows]).map(l => `  ${l}`));
  } else {
    lines.push('  (none)');
  }
  lines.push(
    '',
    `${paint.bold('Sign-in provider')} (auth.providers): ${formatProviders(
      result.providers.auth,
    )}`,
    `${paint.bold(
      'Org-sync and discovery providers',
    )} (catalog.providers): ${formatProviders(result.providers.catalog)}`,
    `${paint.bold(
      'Variables set',
    )} (and the name, alias or _FILE each came from): ${formatVariables(
      result.variables,
    )}`,
  );
  if (result.permissions) {
    lines.push(formatPermissions(result.permissions, paint));
  }
  if (result.config) {
    lines.push('', ...formatConfig(result.config, paint));
  }
  return `${lines.join('\n')}\n`;
}
