import {
  LoggerService,
  RootLoggerService,
  ServiceFactory,
  ServiceRef,
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import {
  displayPath,
  DYNAMIC_PLUGINS_FILE_ENV,
  Preset,
  PresetResolution,
  PRESETS_ENV,
  ResolvedPluginEntry,
  ResolvePresetsOptions,
  resolvePresetsOrThrow,
  writeDynamicPluginsFile,
} from '@devportal/plugin-presets-common';

/**
 * The resolved preset selection, for modules that switch behaviour on it
 * (identity wiring, org sync, plugin loading).
 *
 * @public
 */
export interface PresetsService {
  /** The selected presets, in selection order. */
  readonly presets: ReadonlyArray<Preset>;
  /** Plugin entries of the selected presets, merged by package. */
  readonly plugins: ReadonlyArray<ResolvedPluginEntry>;
  /** Whether a preset of that name is selected. */
  isSelected(name: string): boolean;
  /** The selected preset of an exclusive group, if any. */
  selectedInGroup(group: string): Preset | undefined;
}

class ResolvedPresets implements PresetsService {
  readonly presets: ReadonlyArray<Preset>;
  readonly plugins: ReadonlyArray<ResolvedPluginEntry>;

  constructor(resolution: PresetResolution) {
    this.presets = resolution.presets;
    this.plugins = resolution.plugins;
  }

  isSelected(name: string): boolean {
    return this.presets.some(p => p.name === name);
  }

  selectedInGroup(group: string): Preset | undefined {
    return this.presets.find(p => p.exclusiveGroup === group);
  }
}

/**
 * Dynamic plugin entries (OCI images, local paths) are for the dynamic
 * plugin installer of a container image, not for this process: written to
 * the include file when one is named, and counted in one line either way.
 */
function reportDynamicPlugins(
  resolution: PresetResolution,
  logger: LoggerService,
) {
  const dynamic = resolution.plugins.filter(
    p => p.kind === 'dynamic' && !p.disabled,
  );
  if (resolution.dynamicPluginsFile) {
    writeDynamicPluginsFile(resolution.dynamicPluginsFile, resolution.plugins);
    logger.info(
      `${dynamic.length} dynamic plugin entries of the selected presets written to ${resolution.dynamicPluginsFile} for the dynamic plugin installer; not loaded in this process`,
    );
  } else if (dynamic.length > 0) {
    logger.info(
      `${dynamic.length} dynamic plugin entries (OCI images) of the selected presets are not loaded in this process; set ${DYNAMIC_PLUGINS_FILE_ENV} to write them for the dynamic plugin installer`,
    );
  }
}

/** A logger that can hide values, as the default root logger of `@backstage/backend-defaults` can. */
function canRedact(logger: RootLoggerService): logger is RootLoggerService & {
  addRedactions(values: Iterable<string>): void;
} {
  return (
    typeof (logger as { addRedactions?: unknown }).addRedactions === 'function'
  );
}

/**
 * The resolved preset selection. Its default factory resolves
 * `VEECODE_PRESETS` from the process environment, so modules of this
 * repository work in any backend; a backend that ran the boot gate passes
 * the gate's resolution to {@link presetsServiceFactory} instead.
 *
 * @public
 */
export const presetsServiceRef: ServiceRef<
  PresetsService,
  'root',
  'singleton'
> = createServiceRef<PresetsService>({
  id: 'devportal.presets',
  scope: 'root',
  defaultFactory: async () => presetsServiceFactory(),
});

/** Options for {@link presetsServiceFactory}. @public */
export interface PresetsServiceOptions extends ResolvePresetsOptions {
  /** An already checked resolution (from the boot gate); resolved anew when absent. */
  resolution?: PresetResolution;
}

/**
 * Provides {@link presetsServiceRef}. Registers the values of every variable
 * declared by a selected preset for log redaction, logs the selection, and
 * throws a `PresetsConfigError` (exit code 78) when the selection has
 * problems and no boot gate ran before.
 *
 * @public
 */
export function presetsServiceFactory(
  options: PresetsServiceOptions = {},
): ServiceFactory<PresetsService, 'root', 'singleton'> {
  return createServiceFactory({
    service: presetsServiceRef,
    deps: { rootLogger: coreServices.rootLogger },
    factory({ rootLogger }) {
      const resolution = options.resolution ?? resolvePresetsOrThrow(options);
      const logger = rootLogger.child({ service: 'presets' });

      if (canRedact(rootLogger)) {
        rootLogger.addRedactions(resolution.secrets);
      } else if (resolution.secrets.length > 0) {
        logger.warn(
          'The root logger cannot redact values; preset variable values are only hidden where config marks them secret',
        );
      }

      for (const override of resolution.overrides) {
        logger.info(
          `Preset "${override.name}" from ${displayPath(
            override.file,
          )} overrides ${displayPath(override.overridden)}`,
        );
      }
      reportDynamicPlugins(resolution, logger);
      for (const warning of resolution.warnings) {
        logger.warn(`Credential reuse: ${warning}`);
      }
      if (resolution.presets.length === 0) {
        logger.info(
          `No presets selected, running core only. Pick presets with ${PRESETS_ENV}, e.g. ${PRESETS_ENV}=recommended,github,github-auth; see presets/README.md`,
        );
      } else {
        logger.info(
          `Presets selected: ${resolution.presets
            .map(p => `${p.name}@${p.version}`)
            .join(', ')}`,
        );
      }
      return new ResolvedPresets(resolution);
    },
  });
}
