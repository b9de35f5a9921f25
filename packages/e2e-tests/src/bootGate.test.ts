/*
 * The boot gate as an operator meets it: the README's start command, a
 * broken selection, exit code 78 and every problem in one output.
 */
import { execFileSync, spawnSync } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import {
  repoRoot,
  runToExit,
} from '@devportal/test-utils/src/backend/backendProcess';

jest.setTimeout(120_000);

function repoStatus() {
  return execFileSync(
    'git',
    ['status', '--porcelain', '--untracked-files=all'],
    {
      cwd: repoRoot,
    },
  ).toString();
}

describe('boot gate', () => {
  it('refuses three identity presets with exit code 78, naming all of them, the group and every missing variable', async () => {
    const before = repoStatus();
    const secret = 'ghp_Sup3rS3cretValue_do_not_print';
    const result = await runToExit({
      env: {
        VEECODE_PRESETS: 'github-auth,keycloak,ldap',
        GITHUB_PAT: secret,
      },
    });

    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    const err = result.stderr;
    expect(err).toMatch(/exclusive group "identity"/);
    expect(err).toMatch(/cannot be selected together/);
    for (const preset of ['github-auth', 'keycloak', 'ldap']) {
      expect(err).toContain(`"${preset}"`);
    }
    expect(err).toMatch(/require variables that are not set/);
    for (const variable of [
      'GITHUB_ORG',
      'GITHUB_AUTH_CLIENT_ID',
      'GITHUB_AUTH_CLIENT_SECRET',
      'KEYCLOAK_BASE_URL',
      'KEYCLOAK_REALM',
      'KEYCLOAK_CLIENT_ID',
      'KEYCLOAK_CLIENT_SECRET',
      'AUTH_SESSION_SECRET',
      'LDAP_URL',
      'LDAP_DN',
      'LDAP_SECRET',
      'LDAP_USERS_BASE_DN',
      'LDAP_GROUPS_BASE_DN',
    ]) {
      expect(err.match(new RegExp(`- ${variable} \\(`, 'g'))).toHaveLength(1);
    }
    // Set, so not missing; and its value is never echoed.
    expect(err).not.toMatch(/- GITHUB_PAT \(/);
    expect(err).not.toContain(secret);
    expect(err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    expect(repoStatus()).toBe(before);
  });

  it('reports hostile names, unknown presets, ordering and bad VEECODE_APP_CONFIG together', async () => {
    const result = await runToExit({
      env: {
        VEECODE_PRESETS:
          ' ../etc/passwd , recommended,ldap-ad, nope ,recommended,,ldap',
        VEECODE_APP_CONFIG: '%%% not base64 %%%',
        LDAP_URL: 'ldap://127.0.0.1:1',
        LDAP_DN: 'cn=admin',
        LDAP_SECRET: 'another-secret-value-42',
        LDAP_USERS_BASE_DN: 'ou=people',
        LDAP_GROUPS_BASE_DN: 'ou=groups',
      },
    });
    expect(result.code).toBe(78);
    const err = result.stderr;
    expect(err).toContain('"../etc/passwd" is not a valid preset name');
    expect(err).toMatch(
      /preset "nope" not found; available presets: .*github-auth/,
    );
    expect(err).toContain('preset "recommended" is listed more than once');
    expect(err).toContain('preset "ldap-ad" requires preset "ldap"');
    expect(err).toContain('VEECODE_PRESETS=recommended,ldap,ldap-ad');
    expect(err).toContain('VEECODE_APP_CONFIG is not valid base64');
    expect(err).not.toContain('another-secret-value-42');
    expect(err).not.toContain('%%%');
  });

  it('refuses variables from files and aliases that disagree or cannot be read, naming the names, never a value', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presets-secrets-'));
    try {
      const hostFile = path.join(dir, 'host');
      const fileContent = 'db-from-the-file.example.com';
      fs.writeFileSync(hostFile, `${fileContent}\n`);
      const password = 'Pg-S3cret-in-the-environment';
      const missing = path.join(dir, 'missing');
      const result = await runToExit({
        env: {
          VEECODE_PRESETS: 'postgres,nope',
          POSTGRES_HOST: 'db-from-the-env.example.com',
          PG_HOST_FILE: hostFile,
          POSTGRES_PASSWORD: password,
          POSTGRES_PASSWORD_FILE: hostFile,
          PG_USER_FILE: missing,
        },
      });
      expect(result.code).toBe(78);
      expect(result.stdout).toBe('');
      const err = result.stderr;
      // One list: the unknown preset with the variable problems.
      expect(err).toMatch(/preset "nope" not found/);
      expect(err).toContain(
        'POSTGRES_HOST and PG_HOST_FILE are set to different values: they are names of one variable, POSTGRES_HOST',
      );
      expect(err).toContain(
        'POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are both set',
      );
      expect(err).toContain(
        `PG_USER_FILE names ${missing}, which cannot be read (ENOENT)`,
      );
      expect(err).not.toMatch(/- POSTGRES_(HOST|USER|PASSWORD) \(/);
      for (const value of [fileContent, password, 'db-from-the-env']) {
        expect(err).not.toContain(value);
      }
      expect(err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses the GitHub presets with neither the PAT nor a whole GitHub App, or with both, naming both options', async () => {
    const secret = 'ghp_Sup3rS3cretValue_do_not_print';
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIE-never-printed\n';
    const base = {
      VEECODE_PRESETS: 'github,github-auth',
      GITHUB_ORG: 'acme',
      GITHUB_AUTH_CLIENT_ID: 'Iv1.client',
      GITHUB_AUTH_CLIENT_SECRET: secret,
    };
    const [neither, partial, both] = await Promise.all([
      runToExit({ env: base }),
      runToExit({
        env: { ...base, GITHUB_APP_ID: '123', GITHUB_APP_PRIVATE_KEY: key },
      }),
      runToExit({
        env: {
          ...base,
          GITHUB_PAT: secret,
          GITHUB_APP_ID: '123',
          GITHUB_APP_CLIENT_ID: 'Iv23li',
          GITHUB_APP_CLIENT_SECRET: secret,
          GITHUB_APP_PRIVATE_KEY: key,
        },
      }),
    ]);
    for (const result of [neither, partial, both]) {
      expect(result.code).toBe(78);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toContain(secret);
      expect(result.stderr).not.toContain('MIIE-never-printed');
      expect(result.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    }
    expect(neither.stderr).toContain(
      '- GITHUB_PAT (required by github, github-auth)',
    );
    expect(neither.stderr).toContain(
      '(or, instead of GITHUB_PAT, set GITHUB_APP_ID, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_APP_PRIVATE_KEY: github, github-auth accept either)',
    );
    expect(partial.stderr).toContain(
      '- GITHUB_APP_CLIENT_ID (required by github, github-auth)',
    );
    expect(partial.stderr).toContain(
      '- GITHUB_APP_CLIENT_SECRET (required by github, github-auth)',
    );
    expect(partial.stderr).not.toMatch(/- GITHUB_PAT \(/);
    expect(partial.stderr).toContain(
      'set GITHUB_PAT: github, github-auth accept either',
    );
    expect(both.stderr).toContain(
      'take exactly one of the sets (GITHUB_PAT), (GITHUB_APP_ID, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_APP_PRIVATE_KEY), but variables of 2 sets are set',
    );
    expect(both.stderr).toContain(
      'unset GITHUB_PAT, or unset GITHUB_APP_ID, GITHUB_APP_CLIENT_ID, GITHUB_APP_CLIENT_SECRET and GITHUB_APP_PRIVATE_KEY',
    );
  });

  it('reports an invalid preset file of an extra folder with file and line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presets-extra-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'acme.yaml'),
        'name: acme\ndescription: Acme\nversion: 1.0.0\nrequires:\n  variables:\n    ACME_TOKEN:\n      required: yes-please\n',
      );
      const result = await runToExit({
        env: { VEECODE_PRESETS: 'acme', VEECODE_PRESETS_PATH: dir },
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toMatch(
        /acme\.yaml:6:5: field "requires\.variables\.ACME_TOKEN\.description" is missing/,
      );
      expect(result.stderr).toMatch(
        /acme\.yaml:7:17: field "requires\.variables\.ACME_TOKEN\.required" must be a boolean/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 78 when the identity module finds the preset, or the operator, names a provider nobody provides', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presets-extra-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'acme-sso.yaml'),
        [
          'name: acme-sso',
          'description: Acme single sign-on',
          'version: 1.0.0',
          'exclusive_group: identity',
          'appConfig:',
          '  auth:',
          '    providers:',
          '      acme:',
          '        production:',
          '          clientId: portal',
          '',
        ].join('\n'),
      );
      const result = await runToExit({
        env: {
          VEECODE_PRESETS: 'acme-sso',
          VEECODE_PRESETS_PATH: dir,
          // The operator's own extra provider, its id mistyped.
          APP_CONFIG_auth_providers_githb_production_clientId: 'portal',
        },
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toContain(
        'preset "acme-sso" names auth.providers.acme, but no backend module provides it',
      );
      // Both in one output: the operator fixes them in one go.
      expect(result.stderr).toContain(
        'auth.providers.githb is configured, but no installed backend module provides an auth provider "githb"',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('preset files it must not print', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'presets-files-'));
    const preset = (name: string) =>
      `name: ${name}\ndescription: The ${name} preset\nversion: 1.0.0\n`;
    // Secret-looking lines outside the preset folder, as /etc/shadow has them.
    const secretFile = path.join(work, 'shadow');
    const secretLines = [
      'root:$6$E2eSalt0$E2eS3cretHashNotARealOne0123456789:19000:0:99999:7:::',
      'deploy:$6$E2eSalt1$AnotherS3cretHashValue9876543210:19000:0:99999:7:::',
    ];
    const longKey = `operator-token-${'A'.repeat(
      25,
    )}-E2E-SECRET-TAIL-0123456789`;

    /**
     * A preset folder laid out as a Kubernetes ConfigMap mount: the files
     * in a dated folder, `..data` linked to it, each name linked through
     * `..data`. Every link stays inside the folder.
     */
    function configMapFolder(dir: string, files: Record<string, string>) {
      fs.mkdirSync(path.join(dir, '..2026_12_07_v1'), { recursive: true });
      fs.symlinkSync('..2026_12_07_v1', path.join(dir, '..data'));
      for (const [name, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, '..2026_12_07_v1', name), text);
        fs.symlinkSync(`..data/${name}`, path.join(dir, name));
      }
    }

    beforeAll(() => {
      fs.writeFileSync(secretFile, `${secretLines.join('\n')}\n`);
      const hostile = path.join(work, 'hostile');
      configMapFolder(hostile, { 'acme.yaml': preset('acme') });
      fs.symlinkSync(secretFile, path.join(hostile, 'x.yaml'));
      fs.writeFileSync(
        path.join(hostile, 'big.yaml'),
        `${preset('big')}#${'x'.repeat(1024 * 1024)}\n`,
      );
      fs.writeFileSync(
        path.join(hostile, 'long-key.yaml'),
        `${preset('long-key')}${longKey}: 1\n`,
      );
      configMapFolder(path.join(work, 'honest'), {
        'acme.yaml': preset('acme'),
      });
    });

    afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

    it('refuses a link out of the folder and an oversized file unread, and quotes a long key only in part', async () => {
      const result = await runToExit({
        env: {
          VEECODE_PRESETS: 'acme',
          VEECODE_PRESETS_PATH: path.join(work, 'hostile'),
        },
      });
      expect(result.code).toBe(78);
      const err = result.stderr;
      expect(err).toMatch(
        /hostile\/x\.yaml: is a symbolic link that points outside its preset folder \S*hostile, so it is not read\n\s+Fix: copy the preset file into the folder/,
      );
      expect(err).toMatch(
        /hostile\/big\.yaml: is 1\.0 MiB \(\d+ bytes\), over the 256 KiB limit of a preset file, so it is not read/,
      );
      expect(err).toContain(
        `hostile/long-key.yaml:4:1: unknown field "${longKey.slice(
          0,
          40,
        )}…" in the top level`,
      );
      // Nothing of the linked file, nor the rest of the long key.
      for (const line of secretLines) {
        expect(err).not.toContain(line.split(':')[1]);
      }
      expect(err).not.toContain('E2E-SECRET-TAIL');
      // The preset linked inside its folder is read and accepted.
      expect(err).not.toContain('acme');
      expect(err).toMatch(/3 problems found/);
      expect(err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    });

    it('passes a folder whose presets are links that stay inside it, as a ConfigMap mount has them', () => {
      // The gate alone, as `yarn dev` runs it first: exit 0 when it passes.
      const result = spawnSync(
        process.execPath,
        [path.join(repoRoot, 'packages/backend/bin/check-presets.js')],
        {
          cwd: repoRoot,
          env: {
            PATH: process.env.PATH!,
            VEECODE_PRESETS: 'acme',
            VEECODE_PRESETS_PATH: path.join(work, 'honest'),
          },
          encoding: 'utf8',
        },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    });
  });

  it.each(['yarn start', 'yarn dev'] as const)(
    '%s passes exit code 78 through the yarn and backstage-cli layers',
    async command => {
      const result = await runToExit({
        command,
        env: { VEECODE_PRESETS: 'github-auth,ldap' },
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toMatch(/cannot be selected together/);
    },
  );
});

describe('boot gate: guest sign-in in production', () => {
  it('refuses mcp and mcp-chat with NODE_ENV=production and no identity preset, naming the reason and both fixes', async () => {
    const result = await runToExit({
      env: {
        NODE_ENV: 'production',
        VEECODE_PRESETS: 'recommended,mcp,mcp-chat',
        MCP_CHAT_PROVIDER: 'openai',
        MCP_CHAT_API_KEY: 'sk-e2e-not-a-real-key-0123456789',
        MCP_CHAT_MODEL: 'gpt-4o',
      },
    });
    expect(result.code).toBe(78);
    const err = result.stderr;
    expect(err).toMatch(/refusing to start, 2 problems found/);
    for (const preset of ['mcp', 'mcp-chat']) {
      expect(err).toContain(
        `preset "${preset}" needs real sign-in with NODE_ENV=production, but no identity preset is selected (one of: azure-auth, github-auth, gitlab, keycloak, ldap, oidc, okta) and guest sign-in is off in production: with guest sign-in every anonymous caller could`,
      );
    }
    expect(err).toContain('register and unregister catalog entities');
    expect(err).toContain(
      'Fix: select an identity preset before it, e.g. VEECODE_PRESETS=recommended,azure-auth,mcp,mcp-chat; or, to let anyone who reaches the backend sign in as guest, set DEVPORTAL_ALLOW_GUEST=true',
    );
    expect(err).not.toContain('sk-e2e-not-a-real-key');
    expect(err).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  });
});

describe('boot: corporate proxy variables', () => {
  it('refuses a proxy variable that is not an HTTP proxy URL, exit 78, naming it and never its credentials', async () => {
    const result = await runToExit({
      env: {
        VEECODE_PRESETS: 'recommended',
        HTTPS_PROXY: 'http://svc-portal:hunter2-proxy@[not-a-host',
      },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(
      'HTTPS_PROXY is not an http:// or https:// proxy URL: set it to http://host:port (credentials as http://user:password@host:port, percent-encoded), or unset it',
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2-proxy');
    expect(result.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  });
});

describe('boot: metrics port', () => {
  it('refuses a DEVPORTAL_METRICS_PORT that is not a port, exit 78, naming it', async () => {
    const result = await runToExit({
      env: { VEECODE_PRESETS: 'recommended', DEVPORTAL_METRICS_PORT: 'yes' },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(
      'DEVPORTAL_METRICS_PORT must be a port number (1-65535), or 0 or off to serve no metrics; it is "yes"',
    );
    expect(result.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  });

  it('refuses a metrics port another process listens on, exit 78, naming the variable', async () => {
    const taken = net.createServer();
    await new Promise<void>(resolve => taken.listen(0, resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = await runToExit({
        env: {
          VEECODE_PRESETS: 'recommended',
          DEVPORTAL_METRICS_PORT: String(port),
        },
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toContain(
        `Cannot serve metrics on port ${port} (EADDRINUSE); set DEVPORTAL_METRICS_PORT to a free port, or to off to serve no metrics`,
      );
      expect(result.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    } finally {
      await new Promise(resolve => taken.close(resolve));
    }
  });
});
