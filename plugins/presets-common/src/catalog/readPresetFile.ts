import fs from 'fs';
import { isAbsolute, relative, sep } from 'path';
import { PresetProblem } from '../model/problems';
import { displayPath } from './parsePresetFile';

/**
 * The largest preset file read, in bytes. The biggest shipped preset is
 * under 8 KiB; the cap keeps a misplaced log or image from being parsed and
 * quoted at every boot.
 *
 * @public
 */
export const MAX_PRESET_FILE_BYTES = 256 * 1024;

/**
 * What {@link readPresetFile} found: the text, or why it was not read.
 *
 * @public
 */
export type PresetFileText =
  | { text: string; problem?: undefined }
  | { text?: undefined; problem: PresetProblem };

/**
 * Where a preset file is read from.
 *
 * @public
 */
export interface ReadPresetFileOptions {
  /**
   * The real path (`fs.realpathSync`) of the preset folder the file
   * was listed in: a file whose real path is not inside it is refused
   * unread. Unset for a file named on the command line.
   */
  folderRealPath?: string;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'unknown error';
}

/** Whether `path` is strictly below `folder` (both real paths). */
function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  // `..data/x.yaml` (a Kubernetes ConfigMap mount) is inside, `../x` is not.
  return rel !== '' && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

function kindOf(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

/** Opening flags: no link followed at the last step, no wait on a pipe. */
const OPEN_FLAGS =
  fs.constants.O_RDONLY |
  (fs.constants.O_NOFOLLOW ?? 0) |
  (fs.constants.O_NONBLOCK ?? 0);

/**
 * Reads one preset file, refusing without reading it what cannot be a
 * preset file: an entry of a preset folder whose real path (links
 * followed) leaves the folder, anything but a regular file (a folder, a
 * pipe, a device), and a file over {@link MAX_PRESET_FILE_BYTES}. The file
 * is checked by `stat` before it is opened, and the opened file must be the
 * one checked, so a link swapped in meanwhile is not read either.
 *
 * @public
 */
export function readPresetFile(
  file: string,
  options: ReadPresetFileOptions = {},
): PresetFileText {
  const shown = displayPath(file);
  const refuse = (message: string, hint: string): PresetFileText => ({
    problem: { kind: 'invalid-file', message: `${shown}: ${message}`, hint },
  });

  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch (error) {
    const code = errorCode(error);
    return code === 'ENOENT' || code === 'ELOOP'
      ? refuse(
          `cannot be read: ${code} (a dangling symbolic link?)`,
          'point the link at an existing file in the same folder, or remove it',
        )
      : refuse(`cannot be read: ${code}`, 'check the file permissions');
  }
  const { folderRealPath } = options;
  if (folderRealPath !== undefined && !isInside(folderRealPath, real)) {
    return refuse(
      `is a symbolic link that points outside its preset folder ${displayPath(
        folderRealPath,
      )}, so it is not read`,
      'copy the preset file into the folder instead of linking to it (a link may only point at a file inside its own preset folder)',
    );
  }

  let stats: fs.Stats;
  try {
    stats = fs.statSync(real);
  } catch (error) {
    return refuse(
      `cannot be read: ${errorCode(error)}`,
      'check the file permissions',
    );
  }
  if (!stats.isFile()) {
    return refuse(
      `is ${kindOf(stats)}, not a preset file, so it is not read`,
      'remove it from the preset folder, or rename it so that it does not end in .yaml or .yml',
    );
  }
  if (stats.size > MAX_PRESET_FILE_BYTES) {
    return refuse(
      `is ${size(stats.size)} (${stats.size} bytes), over the ${size(
        MAX_PRESET_FILE_BYTES,
      )} limit of a preset file, so it is not read`,
      'check that this is the preset file you meant; a preset is a short YAML document, so split a larger one into several presets',
    );
  }

  const changed = () =>
    refuse(
      'changed while it was being read, so it is not read',
      'do not replace preset files while the backend starts; restart it',
    );
  let fd: number;
  try {
    fd = fs.openSync(real, OPEN_FLAGS);
  } catch (error) {
    return refuse(
      `cannot be read: ${errorCode(error)}`,
      'check the file permissions',
    );
  }
  try {
    const opened = fs.fstatSync(fd);
    if (
      !opened.isFile() ||
      opened.dev !== stats.dev ||
      opened.ino !== stats.ino ||
      opened.size > MAX_PRESET_FILE_BYTES
    ) {
      return changed();
    }
    // One byte more than its size tells a file that grew since its stat.
    const buffer = Buffer.alloc(opened.size + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(
        fd,
        buffer,
        length,
        buffer.length - length,
        null,
      );
      if (read === 0) break;
      length += read;
      if (length === buffer.length) return changed();
    }
    return { text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return refuse(
      `cannot be read: ${errorCode(error)}`,
      'check the file permissions',
    );
  } finally {
    fs.closeSync(fd);
  }
}
