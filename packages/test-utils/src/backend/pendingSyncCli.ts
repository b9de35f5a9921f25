/*
 * `presets sync pending|approve|reject` as an operator runs it against a
 * running backend: the bin file in a process of its own, the token in a
 * file (--token-file) so it is on no command line, only PATH and HOME
 * inherited.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './backendProcess';

const presetsBin = join(repoRoot, 'packages/presets-cli/bin/presets.js');

/** How `presets sync` ended. */
export interface PendingSyncCliRun {
  /** 0 done, 1 the backend refused (or was not reached), 78 no token or URL, 64 a bad command line. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `presets sync <args...> --url <url> --token-file <file holding
 * token>`; `token: undefined` runs it with no token at all. Example, in a
 * two-replica test: `pendingSyncCli(replicaB.url, staticToken, ['approve',
 * LDAP_ORG_SYNC])` then `pendingSyncCli(replicaA.url, staticToken,
 * ['pending', '--json'])`.
 */
export async function pendingSyncCli(
  url: string,
  token: string | undefined,
  args: string[],
): Promise<PendingSyncCliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'presets-sync-cli-'));
  try {
    const tokenArgs: string[] = [];
    if (token !== undefined) {
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, token, { mode: 0o600 });
      tokenArgs.push('--token-file', tokenFile);
    }
    return await new Promise(resolve => {
      execFile(
        process.execPath,
        [presetsBin, 'sync', ...args, '--url', url, ...tokenArgs],
        {
          cwd: repoRoot,
          env: { PATH: process.env.PATH, HOME: process.env.HOME },
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          // A process ended by a signal has no number: -1 then.
          let code = 0;
          if (error) {
            code = typeof error.code === 'number' ? error.code : -1;
          }
          resolve({ code, stdout, stderr });
        },
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
