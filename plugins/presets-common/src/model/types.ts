/*
 * The preset model: what a preset file declares once it has been read and
 * validated. Everything else in this repository works on these types.
 *
 * The file's shape is not written twice: `PresetFile` is inferred from the
 * JSON Schema the engine validates with (and the editor schema is generated
 * from), so a field added to the schema reaches the types, and a field the
 * schema does not have cannot be read.
 */
import { JsonObject } from '@backstage/types';
import type { FromSchema } from 'json-schema-to-ts';
import { presetFileSchema } from './schema';

/**
 * A preset file as written, after schema validation: the schema's own type.
 *
 * @public
 */
export type PresetFile = FromSchema<typeof presetFileSchema>;

/**
 * The `requires` block of a preset file, as written.
 *
 * @public
 */
export type PresetFileRequires = NonNullable<PresetFile['requires']>;

/**
 * One variable under `requires.variables` of a preset file, as written.
 *
 * @public
 */
export type PresetFileVariable = NonNullable<
  PresetFileRequires['variables']
>[string];

/**
 * One entry of a preset file's `plugins`, as written.
 *
 * @public
 */
export type PresetFilePluginEntry = NonNullable<PresetFile['plugins']>[number];

/**
 * A value a preset computes from variables (`derived` in its file),
 * referenced like any `${VAR}`: the first of its `cases` whose `when` holds
 * gives the value, from a `value` template or `random`; none leaves it
 * unset.
 *
 * @public
 */
export type PresetDerivedVariable = NonNullable<PresetFile['derived']>[string];

/** One case of a {@link PresetDerivedVariable}. @public */
export type PresetDerivedCase = PresetDerivedVariable['cases'][number];

/**
 * A variable a preset needs from the environment, as the schema declares it
 * (`description`, `required`, `docs`, `format`, `secret`), with `example`
 * read as a string.
 *
 * - `required: true`: unset or empty fails the boot.
 * - `format: url`: a set value must be an absolute http(s) URL.
 * - `secret: true`: a credential, redacted wherever it could be printed;
 *   `false`: not one, even if the name looks like one; unset: inferred from
 *   the name, see `isSecretVariable`.
 * - `aliases`: other names the operator may set it by (another product's
 *   deployment names), see `resolveVariableValues`.
 *
 * @public
 */
export type PresetVariable = Omit<PresetFileVariable, 'example'> & {
  /** An illustrative value; never a real secret. */
  example?: string;
};

/** The value formats a preset variable can require. @public */
export type PresetVariableFormat = NonNullable<PresetVariable['format']>;

/**
 * A plugin entry, shaped like an entry of `dynamic-plugins.yaml`. `package`
 * is an OCI reference or a package name and may hold `${PLUGIN_REGISTRY}`
 * and `${BACKSTAGE_VERSION}`.
 *
 * @public
 */
export type PresetPluginEntry = Omit<PresetFilePluginEntry, 'pluginConfig'> & {
  pluginConfig?: JsonObject;
};

/**
 * A validated preset definition: the file's fields in camelCase, with
 * absent lists and maps made empty.
 *
 * @public
 */
export interface Preset {
  name: PresetFile['name'];
  description: PresetFile['description'];
  version: PresetFile['version'];
  exclusiveGroup?: PresetFile['exclusive_group'];
  requires: {
    /** Presets that must be selected before this one. */
    presets: NonNullable<PresetFileRequires['presets']>;
    /**
     * Exclusive groups one of whose presets must be selected before this
     * one, each with the reason shown to the operator when none is.
     */
    groups: NonNullable<PresetFileRequires['groups']>;
    /**
     * Why the preset needs real sign-in in production: with
     * NODE_ENV=production it is refused without an identity preset, unless
     * the operator opts in to guest sign-in (`DEVPORTAL_ALLOW_GUEST=true`).
     */
    signIn?: PresetFileRequires['signIn'];
    /**
     * Sets of variables of which exactly one must be set in full (a token
     * or an app's credentials); empty when the preset has no such choice.
     */
    oneOf: NonNullable<PresetFileRequires['oneOf']>;
    variables: Record<string, PresetVariable>;
  };
  /** Values computed from variables, by name; see {@link PresetDerivedVariable}. */
  derived: Record<string, PresetDerivedVariable>;
  plugins: PresetPluginEntry[];
  appConfig: JsonObject;
  /** Absolute path of the file the preset was read from. */
  source: string;
}
