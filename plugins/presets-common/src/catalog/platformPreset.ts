import fs from 'fs';
import { resolve } from 'path';
import { Preset } from '../model/types';
import { PresetProblem } from '../model/problems';
import { parsePresetFile } from './parsePresetFile';
import { readPresetFile } from './readPresetFile';

/**
 * The platform's own file in a preset folder: a preset file (same schema,
 * same parser) that is never selected. It declares what the platform
 * derives for app-config.yaml and every preset, such as the backend's own
 * URL. It sits in a subfolder, where the catalog looks for no preset, so
 * no preset name is reserved for it.
 */
const PLATFORM_PRESET_FILE = 'platform/platform.yaml';

/**
 * Reads the platform file of a shipped preset folder. A folder without one
 * (a test's, or one an operator keeps) has no platform values; a broken
 * one is a problem like any broken preset file.
 *
 * @public
 */
export function readPlatformPreset(shippedDir: string): {
  preset?: Preset;
  problems: PresetProblem[];
} {
  const file = resolve(shippedDir, PLATFORM_PRESET_FILE);
  if (!fs.existsSync(file)) {
    return { problems: [] };
  }
  const { text, problem } = readPresetFile(file, {
    folderRealPath: fs.realpathSync(shippedDir),
  });
  return problem ? { problems: [problem] } : parsePresetFile(file, text);
}
