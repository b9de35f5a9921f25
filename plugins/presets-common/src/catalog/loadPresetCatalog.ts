import fs from 'fs';
import { basename, delimiter, extname, dirname, resolve } from 'path';
import { Preset } from '../model/types';
import { PresetProblem } from '../model/problems';
import { isValidPresetName } from '../model/naming';
import { displayPath, parsePresetFile } from './parsePresetFile';
import { readPresetFile } from './readPresetFile';

/**
 * The environment variable naming extra preset folders, separated like
 * `PATH` entries. A preset in a later folder overrides one of the same
 * name in an earlier folder or in the shipped catalog.
 *
 * @public
 */
export const PRESETS_PATH_ENV = 'VEECODE_PRESETS_PATH';

/** A preset that replaced another of the same name. @public */
export interface PresetOverride {
  name: string;
  /** The file that wins. */
  file: string;
  /** The file that was replaced. */
  overridden: string;
}

/** Every preset available to a selection, and what went wrong reading them. @public */
export interface PresetCatalog {
  presets: Map<string, Preset>;
  /** Names whose file exists but is invalid; reported once as an invalid file. */
  invalid: Set<string>;
  overrides: PresetOverride[];
  problems: PresetProblem[];
}

/** Where presets are read from. @public */
export interface PresetCatalogSources {
  /** The shipped catalog folder. */
  shippedDir: string;
  /** Extra folders, lowest precedence first. */
  extraDirs?: string[];
}

/**
 * The folder of this library's package, as Node resolves it (the way
 * Backstage's `resolvePackagePath` does; this package holds nothing of the
 * backend, backend-plugin-api included); `undefined` when it cannot be
 * resolved.
 */
function libraryPackageDir(): string | undefined {
  try {
    return dirname(
      require.resolve('@devportal/plugin-presets-common/package.json'),
    );
  } catch {
    return undefined;
  }
}

/**
 * The shipped catalog of a backend whose root is `rootDir`: its own
 * `presets/` folder when it has one (this repository, or a backend that
 * keeps a copy), else the catalog packed with this library, so a backend
 * that installed the library from npm, and `npx presets`, find the shipped
 * presets without copying them.
 *
 * @public
 */
export function defaultShippedDir(rootDir: string): string {
  const inRoot = resolve(rootDir, 'presets');
  if (fs.existsSync(inRoot)) {
    return inRoot;
  }
  const packed = libraryPackageDir();
  const inPackage = packed && resolve(packed, 'presets');
  return inPackage && fs.existsSync(inPackage) ? inPackage : inRoot;
}

/** Splits the value of {@link PRESETS_PATH_ENV} into folders. @public */
export function parsePresetsPath(value: string | undefined): string[] {
  return (value ?? '')
    .split(delimiter)
    .map(s => s.trim())
    .filter(Boolean)
    .map(p => resolve(p));
}

/** The system error code of a failed file operation, e.g. ENOENT. */
function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unknown error';
}

const PRESET_EXTENSIONS = new Set(['.yaml', '.yml']);

/**
 * Reads every preset file of the shipped folder and the extra folders.
 * Never throws for a user mistake: problems are collected and returned.
 *
 * @public
 */
export function loadPresetCatalog(
  sources: PresetCatalogSources,
): PresetCatalog {
  const catalog: PresetCatalog = {
    presets: new Map(),
    invalid: new Set(),
    overrides: [],
    problems: [],
  };
  const folders = [
    { dir: sources.shippedDir, origin: 'the shipped preset folder' },
    ...(sources.extraDirs ?? []).map(dir => ({
      dir,
      origin: `${PRESETS_PATH_ENV}`,
    })),
  ];

  for (const { dir, origin } of folders) {
    let entries: string[];
    let folderRealPath: string;
    try {
      entries = fs
        .readdirSync(dir)
        .sort((a, b) => (a < b ? -1 : Number(a > b)));
      // The folder itself may be a link (a mounted volume): its files are
      // judged against where it really is.
      folderRealPath = fs.realpathSync(dir);
    } catch (error) {
      catalog.problems.push({
        kind: 'invalid-folder',
        message: `preset folder ${displayPath(
          dir,
        )} (from ${origin}) cannot be read: ${errorCode(error)}`,
        hint: `create the folder or remove it from ${PRESETS_PATH_ENV}`,
      });
      continue;
    }

    const seenInFolder = new Map<string, string>();
    for (const entry of entries) {
      if (!PRESET_EXTENSIONS.has(extname(entry)) || entry.startsWith('.')) {
        continue;
      }
      const file = resolve(dir, entry);
      const name = basename(entry, extname(entry));
      if (!isValidPresetName(name)) {
        // It could never be a valid preset (its name must equal the file's),
        // so it is not read: nothing of an unexpected file is quoted.
        catalog.problems.push({
          kind: 'invalid-file',
          message: `${displayPath(
            file,
          )}: the file name is not a valid preset name, so it is not read`,
          hint: 'name the file after its preset, in kebab-case (lower-case letters and digits separated by single dashes), such as my-preset.yaml',
        });
        continue;
      }
      const twin = seenInFolder.get(name);
      if (twin) {
        catalog.problems.push({
          kind: 'invalid-file',
          message: `${displayPath(
            file,
          )}: preset "${name}" is defined twice in one folder (also ${displayPath(
            twin,
          )})`,
          hint: 'keep one of the two files',
        });
        continue;
      }
      seenInFolder.set(name, file);

      const { text, problem } = readPresetFile(file, { folderRealPath });
      if (problem) {
        catalog.problems.push(problem);
        catalog.invalid.add(name);
        continue;
      }

      const parsed = parsePresetFile(file, text);
      const previous = catalog.presets.get(name);
      if (!parsed.preset) {
        catalog.problems.push(...parsed.problems);
        catalog.invalid.add(name);
        continue;
      }
      if (previous) {
        catalog.overrides.push({
          name,
          file,
          overridden: previous.source,
        });
      }
      catalog.invalid.delete(name);
      catalog.presets.set(name, parsed.preset);
    }
  }
  return catalog;
}
