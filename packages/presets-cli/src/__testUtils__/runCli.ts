import { runPresetsCli } from '../runPresetsCli';

/** Runs `presets <argv>` in-process on a root folder, capturing what it writes. */
export async function runCli(
  rootDir: string,
  argv: string[],
  env: Record<string, string> = {},
) {
  let stdout = '';
  let stderr = '';
  const code = await runPresetsCli(argv, {
    env,
    rootDir,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}
