/**
 * DevPortal presets in a Backstage backend: the root config service that
 * layers the selected presets' config into Backstage's, and the presets
 * service other modules read the selection from. The preset model itself
 * is `@devportal/plugin-presets-common`.
 *
 * @packageDocumentation
 */

export {
  createPresetConfigSource,
  presetConfigLayers,
} from './config/createPresetConfigSource';
export type {
  PresetConfigLayer,
  PresetConfigLayerKind,
  PresetConfigSourceOptions,
} from './config/createPresetConfigSource';
export {
  REDACTED,
  configProvenance,
  readConfigLayers,
  redactText,
} from './config/configProvenance';
export type {
  ConfigLayerData,
  ConfigLeafOrigin,
  ConfigProvenanceOptions,
} from './config/configProvenance';
export { withConcatenatedAppExtensions } from './config/appExtensionsLayer';
export { presetFrontendConfigs } from './config/presetFrontendConfig';
export type { PresetFrontendConfigOptions } from './config/presetFrontendConfig';
export {
  presetsRootConfigServiceFactory,
  readPresetConfig,
} from './config/presetsRootConfigServiceFactory';
export type {
  PresetsRootConfigOptions,
  ReadPresetConfigOptions,
} from './config/presetsRootConfigServiceFactory';

export {
  presetsServiceFactory,
  presetsServiceRef,
} from './service/presetsService';
export type {
  PresetsService,
  PresetsServiceOptions,
} from './service/presetsService';
export { describeConnectionError } from './database/describeConnectionError';
export type {
  DatabaseConnectionHints,
  DatabaseConnectionProblem,
  DatabaseConnectionTarget,
} from './database/describeConnectionError';
