import { JsonObject } from '@backstage/types';
import { PresetFile, Preset, PresetVariable, PresetPluginEntry } from './types';

/**
 * Turns a preset file that passed schema validation into the model the
 * engine works on: snake_case fields renamed, absent lists and maps made
 * empty, examples made strings.
 */
export function presetFromFile(data: PresetFile, source: string): Preset {
  const variables: Record<string, PresetVariable> = {};
  for (const [name, v] of Object.entries(data.requires?.variables ?? {})) {
    variables[name] = {
      description: v.description,
      required: v.required,
      ...(v.docs !== undefined ? { docs: v.docs } : {}),
      ...(v.example !== undefined ? { example: String(v.example) } : {}),
      ...(v.format !== undefined ? { format: v.format } : {}),
      // Kept as written: unset means "inferred from the name", which lint tells apart.
      ...(v.secret !== undefined ? { secret: v.secret } : {}),
      ...(v.aliases !== undefined ? { aliases: v.aliases } : {}),
    };
  }
  return {
    name: data.name,
    description: data.description,
    version: data.version,
    ...(data.exclusive_group ? { exclusiveGroup: data.exclusive_group } : {}),
    requires: {
      presets: data.requires?.presets ?? [],
      groups: data.requires?.groups ?? {},
      ...(data.requires?.signIn ? { signIn: data.requires.signIn } : {}),
      oneOf: data.requires?.oneOf ?? [],
      variables,
    },
    derived: data.derived ?? {},
    plugins: (data.plugins ?? []) as PresetPluginEntry[],
    appConfig: (data.appConfig ?? {}) as JsonObject,
    source,
  };
}
