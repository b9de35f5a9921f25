/*
 * The preset model: what a preset file declares once it has been read and
 * validated. Everything else in this repository works on these types.
 */
import { JsonObject } from '@backstage/types';

/** A variable a preset needs from the environment. @public */
export interface PresetVariable {
  /** What the variable is, shown to operators when it is missing. */
  description: string;
  /** `true`: unset or empty fails the boot. */
  required: boolean;
  /** A link to documentation on where to get the value. */
  docs?: string;
  /** An illustrative value; never a real secret. */
  example?: string;
  /**
   * What a set value must look like; `url`: an absolute http(s) URL. A value
   * that does not fit refuses the boot, naming the variable.
   */
  format?: PresetVariableFormat;
  /**
   * `true`: the value is a credential, redacted wherever it could be printed;
   * `false`: it is not, even if its name looks like one. Unset: inferred from
   * the name, see `isSecretVariable`.
   */
  secret?: boolean;
}

/** The value formats a preset variable can require. @public */
export type PresetVariableFormat = 'url';

/** A plugin entry, shaped like an entry of `dynamic-plugins.yaml`. @public */
export interface PresetPluginEntry {
  /** An OCI reference or a package name; may hold `${PLUGIN_REGISTRY}` and `${BACKSTAGE_VERSION}`. */
  package: string;
  disabled?: boolean;
  integrity?: string;
  pluginConfig?: JsonObject;
}

/** A validated preset definition. @public */
export interface Preset {
  name: string;
  description: string;
  version: string;
  exclusiveGroup?: string;
  requires: {
    presets: string[];
    variables: Record<string, PresetVariable>;
  };
  plugins: PresetPluginEntry[];
  appConfig: JsonObject;
  /** Absolute path of the file the preset was read from. */
  source: string;
}
