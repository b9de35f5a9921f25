/**
 * The DevPortal preset model: reading, validating and resolving presets,
 * the boot gate, and layering the presets' config into Backstage's.
 *
 * @packageDocumentation
 */

export type {
  Preset,
  PresetVariable,
  PresetVariableFormat,
  PresetPluginEntry,
} from './model/types';
export { PRESET_NAME_PATTERN, isValidPresetName } from './model/naming';
export { isSecretVariable, looksLikeSecretName } from './model/secrets';
export { keysNamedByPreset } from './model/keysNamedByPreset';
export { splitList } from './model/splitList';
export { presetFileSchema } from './model/schema';
export {
  EXIT_CONFIG,
  PresetsConfigError,
  findPresetProblems,
  formatProblems,
} from './model/problems';
export type { PresetProblem, PresetProblemKind } from './model/problems';

export {
  PRESETS_PATH_ENV,
  defaultShippedDir,
  loadPresetCatalog,
  parsePresetsPath,
} from './catalog/loadPresetCatalog';
export type {
  PresetCatalog,
  PresetCatalogSources,
  PresetOverride,
} from './catalog/loadPresetCatalog';

export { PRESETS_ENV, parseSelection } from './selection/parseSelection';
export type { ParsedSelection } from './selection/parseSelection';
export {
  resolvePresets,
  resolvePresetsOrThrow,
} from './selection/resolvePresets';
export {
  ALLOW_GUEST_ENV,
  IDENTITY_GROUP,
  guestInProductionWarning,
  guestSignInPolicy,
  isProductionEnv,
  platformGuestConfig,
} from './selection/guestSignIn';
export type { GuestSignInPolicy } from './selection/guestSignIn';
export type {
  PresetResolution,
  ResolvePresetsOptions,
} from './selection/resolvePresets';

export {
  DEFAULT_PLUGIN_REGISTRY,
  pluginEntryKind,
  resolvePluginEntries,
} from './plugins/resolvePluginEntries';
export type {
  PluginEntryKind,
  PluginPlaceholders,
  ResolvedPluginEntry,
} from './plugins/resolvePluginEntries';
export { findInstalledPackage } from './plugins/checkPluginsInstalled';
export {
  DYNAMIC_PLUGINS_FILE_ENV,
  dynamicPluginsInclude,
  writeDynamicPluginsFile,
} from './plugins/dynamicPluginsFile';

export {
  VEECODE_APP_CONFIG_ENV,
  readVeecodeAppConfig,
} from './config/readVeecodeAppConfig';
export { createPresetConfigSource } from './config/createPresetConfigSource';
export { DERIVED_VARIABLES, deriveVariables } from './config/derivedVariables';
export type { DerivedVariable } from './config/derivedVariables';
export type { PresetConfigSourceOptions } from './config/createPresetConfigSource';
export {
  loadAppConfigSchema,
  presetFrontendConfigs,
  readPresetFrontendConfig,
} from './config/presetFrontendConfig';
export type { PresetFrontendConfigOptions } from './config/presetFrontendConfig';
export { presetsRootConfigServiceFactory } from './config/presetsRootConfigServiceFactory';
export type { PresetsRootConfigOptions } from './config/presetsRootConfigServiceFactory';

export {
  presetsServiceFactory,
  presetsServiceRef,
} from './service/presetsService';
export type {
  PresetsService,
  PresetsServiceOptions,
} from './service/presetsService';

export { runBootGate } from './gate/runBootGate';
export type { BootGateOptions } from './gate/runBootGate';

export {
  migratedModuleDatabase,
  migratedModuleDatabaseOnFirstUse,
} from './database/moduleMigrations';
export type {
  ModuleDatabaseClient,
  ModuleMigrations,
} from './database/moduleMigrations';
