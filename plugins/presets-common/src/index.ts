/**
 * The DevPortal preset model: reading, validating and resolving presets,
 * and the boot gate. Nothing here loads the backend or config-loader.
 *
 * @packageDocumentation
 */

export type {
  Preset,
  PresetDerivedCase,
  PresetDerivedVariable,
  PresetFile,
  PresetFilePluginEntry,
  PresetFileRequires,
  PresetFileVariable,
  PresetVariable,
  PresetVariableFormat,
  PresetPluginEntry,
} from './model/types';
export { looksLikeSecretName } from './model/secrets';
export { keysNamedByPreset } from './model/keysNamedByPreset';
export { presetFileSchema } from './model/schema';
export {
  configKeyVariables,
  variableNamesIn,
} from './model/configKeyVariables';
export { splitList } from './model/splitList';
export { REFERENCE_EXCERPT_LENGTH, excerpt } from './model/excerpt';
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
export {
  displayPath,
  parsePresetFile,
  positionOf,
} from './catalog/parsePresetFile';
export type { ParsedPresetFile, YamlPosition } from './catalog/parsePresetFile';
export {
  MAX_PRESET_FILE_BYTES,
  readPresetFile,
} from './catalog/readPresetFile';
export type {
  PresetFileText,
  ReadPresetFileOptions,
} from './catalog/readPresetFile';

export {
  VEECODE_APP_CONFIG_ENV,
  readVeecodeAppConfig,
} from './environment/readVeecodeAppConfig';
export {
  derivedInputs,
  deriveVariables,
  selectionDerivedVariables,
} from './selection/derivedVariables';
export type { DerivedDefinitions } from './selection/derivedVariables';
export {
  EachBlockError,
  eachBlockProblems,
  expandEach,
} from './model/expandEach';
export { readPlatformPreset } from './catalog/platformPreset';
export {
  DEVPORTAL_DB_PATH_ENV,
  platformDatabaseConfig,
} from './environment/databaseConfig';
export { isUnset } from './environment/variableValues';
export {
  VARIABLE_FILE_SUFFIX,
  resolveVariableValues,
} from './environment/variableSources';
export type { ResolvedVariableValues } from './environment/variableSources';

export { PRESETS_ENV } from './selection/parseSelection';
export {
  readBackstageVersion,
  resolvePresets,
  resolvePresetsOrThrow,
} from './selection/resolvePresets';
export type {
  PresetResolution,
  ResolvePresetsOptions,
} from './selection/resolvePresets';
export {
  ALLOW_GUEST_ENV,
  IDENTITY_GROUP,
  guestInProductionWarning,
  guestSignInPolicy,
  platformGuestConfig,
} from './selection/guestSignIn';
export type { GuestSignInPolicy } from './selection/guestSignIn';
export { closestName } from './selection/suggestions';
export { chosenSet, requiredVariableNames } from './selection/variableChoices';

export {
  PLUGIN_PLACEHOLDER_NAMES,
  pluginEntryKind,
} from './plugins/resolvePluginEntries';
export type {
  PluginEntryKind,
  PluginPlaceholders,
  ResolvedPluginEntry,
} from './plugins/resolvePluginEntries';
export { findInstalledPackage } from './plugins/checkPluginsInstalled';
export {
  DYNAMIC_PLUGINS_FILE_ENV,
  writeDynamicPluginsFile,
} from './plugins/dynamicPluginsFile';

export { runBootGate } from './gate/runBootGate';
export type { BootGateOptions } from './gate/runBootGate';
