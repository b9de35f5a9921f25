import {
  isUnset,
  Preset,
  PresetCatalog,
  requiredVariableNames,
  resolveVariableValues,
} from '@devportal/plugin-presets-common';
import { Paint, formatTable } from './terminal';

/** A variable of a listed preset: its name and whether it holds a value here, never the value. */
export interface ListedVariable {
  name: string;
  /** Required here: marked `required`, or of the set of a `requires.oneOf` choice that counts. */
  required: boolean;
  set: boolean;
}

/** One row of `presets list`; the `--json` shape, so keep it stable. */
export interface ListedPreset {
  name: string;
  version: string;
  group: string | null;
  requires: string[];
  description: string;
  variables: ListedVariable[];
  source: string;
}

/** What `presets list` shows about every available preset, sorted by name. */
export function listPresets(
  catalog: PresetCatalog,
  env: Record<string, string | undefined>,
): ListedPreset[] {
  return [...catalog.presets.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(preset => toListedPreset(preset, env));
}

function toListedPreset(
  preset: Preset,
  env: Record<string, string | undefined>,
): ListedPreset {
  // Set by its own name, an alias or a _FILE, as the gate counts it; what
  // is wrong with a name or file is `presets check`'s to report.
  const { env: values, refused } = resolveVariableValues([preset], env);
  const required = requiredVariableNames(preset, values, refused);
  return {
    name: preset.name,
    version: preset.version,
    group: preset.exclusiveGroup ?? null,
    requires: preset.requires.presets,
    description: preset.description,
    variables: Object.entries(preset.requires.variables).map(([name]) => ({
      name,
      required: required.has(name),
      set: !isUnset(values[name]),
    })),
    source: preset.source,
  };
}

/** The first line of a description: a table row stays one line. */
function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/**
 * The terminal rendering: one aligned row per preset, then its required
 * variables on an indented line, each marked set or missing.
 */
export function formatPresetList(
  presets: ListedPreset[],
  paint: Paint,
): string {
  const header = ['NAME', 'VERSION', 'GROUP', 'REQUIRES', 'DESCRIPTION'].map(
    text => ({ text, shown: paint.bold(text) }),
  );
  const rows = presets.map(p =>
    [
      p.name,
      p.version,
      p.group ?? '-',
      p.requires.join(',') || '-',
      firstLine(p.description),
    ].map(text => ({ text })),
  );
  const lines = formatTable([header, ...rows]);
  const out = [lines[0]];
  presets.forEach((preset, index) => {
    out.push(lines[index + 1]);
    const required = preset.variables.filter(v => v.required);
    if (required.length > 0) {
      const marks = required.map(v =>
        v.set
          ? `${v.name} ${paint.green('set')}`
          : `${v.name} ${paint.red('missing')}`,
      );
      out.push(`    requires: ${marks.join(', ')}`);
    }
  });
  return `${out.join('\n')}\n`;
}
