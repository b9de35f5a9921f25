/*
 * better-sqlite3 installs through prebuild-install: a prebuilt binary from
 * npm's cache (`<cache>/_prebuilds`), else downloaded from the project's
 * releases, else SQLite compiled from source, which takes minutes on a small
 * shared CI machine. Where the download host cannot be reached, every fresh
 * backend would compile again; instead the binary the first install compiled
 * is stored in that cache under the name prebuild-install looks for (keyed
 * by version, Node ABI, platform and architecture), so later installs take
 * it as they would a downloaded one.
 */
import fs from 'fs';
import path from 'path';
import { runOrThrow } from './run';

/** Stores the compiled better-sqlite3 binary of `backendDir` in npm's prebuild cache, if it is not there. */
export async function cacheSqlitePrebuild(
  backendDir: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const packageDir = path.join(backendDir, 'node_modules/better-sqlite3');
  const binary = 'build/Release/better_sqlite3.node';
  if (!fs.existsSync(path.join(packageDir, binary))) {
    return;
  }
  // prebuild-install's own functions name the file, so the name cannot
  // drift; run as its install script runs (in the package folder, a process
  // of its own), so neither this test's arguments nor its module system
  // reach its option parsing.
  const name = (
    await runOrThrow(
      process.execPath,
      [
        '-e',
        [
          "const pkg = require('./package.json');",
          "const util = require('prebuild-install/util');",
          "const options = require('prebuild-install/rc')(pkg);",
          'const url = util.getDownloadUrl({ ...options, pkg });',
          "process.stdout.write(require('path').basename(util.cachedPrebuild(url)));",
        ].join('\n'),
      ],
      { cwd: packageDir, env },
    )
  ).stdout;
  const npmCache = (
    await runOrThrow('npm', ['config', 'get', 'cache'], {
      cwd: backendDir,
      env,
    })
  ).stdout.trim();
  const cached = path.join(npmCache, '_prebuilds', name);
  if (fs.existsSync(cached)) {
    return;
  }
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  // Written aside and renamed, so a concurrent install never reads half a file.
  const partial = `${cached}.${process.pid}.partial`;
  await runOrThrow('tar', ['-czf', partial, '-C', packageDir, binary], {
    cwd: backendDir,
    env,
  });
  fs.renameSync(partial, cached);
}
