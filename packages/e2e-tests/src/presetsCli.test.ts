/*
 * The `presets` command as an operator and a script meet it: spawned as a
 * process, through the bin file and through `yarn presets` with the
 * committed Yarn, checking exit codes, --json shapes and that a secret
 * placed in the environment never reaches any output while its name does.
 */
import { spawn } from 'child_process';
import path from 'path';
import { repoRoot } from '@devportal/test-utils/src/backend/backendProcess';
import {
  PostgresServer,
  startPostgres,
} from '@devportal/test-utils/src/daemons/postgres';
import {
  ldapPresetEnv,
  SlapdServer,
  slapdFixture,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';
import { issueLoopbackCertificate } from '@devportal/test-utils/src/daemons/tls';
import {
  FakeMicrosoft,
  startFakeMicrosoft,
} from '@devportal/test-utils/src/fakes/microsoft';

jest.setTimeout(120_000);

const bin = path.join(repoRoot, 'packages/presets-cli/bin/presets.js');
const yarn = path.join(repoRoot, '.yarn/releases/yarn-4.18.1.cjs');
const secret = 'ghp_Sup3rS3cretCliValue_do_not_print';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command from the repository root with only the given variables beside PATH and HOME. */
function runProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    child.on('error', reject);
    child.on('close', code => resolveRun({ code, stdout, stderr }));
  });
}

const presets = (args: string[], env?: Record<string, string>) =>
  runProcess([bin, ...args], env);

describe('presets command', () => {
  it('lists every shipped preset, marking a set secret variable by name only', async () => {
    const result = await presets(['list'], { GITHUB_PAT: secret });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^NAME +VERSION +GROUP +REQUIRES +DESCRIPTION$/m,
    );
    expect(result.stdout).toMatch(
      /^github-auth +\S+ +identity +- +GitHub as identity/m,
    );
    expect(result.stdout).toContain('GITHUB_PAT set, GITHUB_ORG missing');
    // Not a terminal: no colour.
    expect(result.stdout).not.toContain('\u001b[');
    expect(result.stdout).not.toContain(secret);
  });

  it('gives a stable --json listing', async () => {
    const result = await presets(['list', '--json'], { GITHUB_PAT: secret });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(Object.keys(json)).toEqual(['presets', 'problems']);
    const github = json.presets.find(
      (p: { name: string }) => p.name === 'github',
    );
    expect(Object.keys(github)).toEqual([
      'name',
      'version',
      'group',
      'requires',
      'description',
      'variables',
      'source',
    ]);
    expect(github.variables).toContainEqual({
      name: 'GITHUB_PAT',
      required: true,
      set: true,
    });
    expect(result.stdout).not.toContain(secret);
  });

  it('refuses a broken selection with exit 78, every problem, suggestions, and no secret', async () => {
    const result = await presets(['check'], {
      VEECODE_PRESETS: 'githb,github-auth,keycloak',
      GITHUB_TOKEN: secret,
      KEYCLOAK_CLIENT_SECRET: secret,
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^DevPortal presets: refusing to start, 3 problems found/,
    );
    expect(result.stderr).toContain('did you mean "github"?');
    expect(result.stderr).toContain(
      '(GITHUB_TOKEN is set: did you mean GITHUB_PAT?)',
    );
    expect(result.stderr).toContain('cannot be selected together');
    expect(result.stderr).toContain('KEYCLOAK_BASE_URL');
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
  });

  it('answers check --json with { ok, presets, problems, warnings }', async () => {
    const bad = await presets(['check', '--json', '--presets', 'github'], {
      GITHUB_PAT: secret,
    });
    expect(bad.code).toBe(78);
    const json = JSON.parse(bad.stdout);
    expect(json).toEqual({
      ok: false,
      presets: [{ name: 'github', version: expect.any(String) }],
      problems: [
        {
          kind: 'missing-variables',
          message: expect.stringContaining('- GITHUB_ORG (required by github)'),
          hint: expect.any(String),
        },
      ],
      warnings: [],
    });
    expect(bad.stdout).not.toContain(secret);
    expect(bad.stderr).toBe('');

    const good = await presets(['check', '--json', '--presets', 'recommended']);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, problems: [] });
  });

  it('explains a selection in --json: plugins and providers, no secret', async () => {
    const result = await presets(['explain', '--json'], {
      VEECODE_PRESETS: 'recommended,github,github-auth',
      GITHUB_PAT: secret,
      GITHUB_ORG: 'acme',
      GITHUB_AUTH_CLIENT_ID: 'client-id',
      GITHUB_AUTH_CLIENT_SECRET: secret,
    });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(Object.keys(json)).toEqual([
      'ok',
      'presets',
      'plugins',
      'providers',
      'variables',
      'problems',
      'config',
      'permissions',
    ]);
    // no rbac preset: the permission framework stays off
    expect(json.permissions).toEqual({ enabled: false, admins: [] });
    // every config leaf with the layer it came from; the PAT redacted
    expect(json.config).toContainEqual({
      path: 'catalog.providers.github.default.organization',
      value: 'acme',
      from: 'github preset',
    });
    expect(json.providers).toEqual({
      auth: [{ key: 'github', presets: ['github-auth'] }],
      catalog: [
        { key: 'github', presets: ['github'] },
        { key: 'githubOrg', presets: ['github-auth'] },
      ],
    });
    expect(json.plugins).toContainEqual({
      package: '@backstage/plugin-scaffolder-backend-module-github',
      kind: 'npm',
      preset: 'github',
      enabled: true,
    });
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
  });

  it('exits 64 with the usage on an unknown command or flag', async () => {
    for (const args of [['lst'], ['check', '--verbose'], []]) {
      const result = await presets(args);
      expect(result.code).toBe(64);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('Usage: presets <command>');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('runs as `yarn presets` through the committed Yarn', async () => {
    const result = await runProcess([yarn, 'presets', 'check', '--json'], {
      VEECODE_PRESETS: 'github',
      GITHUB_PAT: secret,
      GITHUB_ORG: 'acme',
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      presets: [{ name: 'github' }],
    });
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);

    const refused = await runProcess([yarn, 'presets', 'check'], {
      VEECODE_PRESETS: 'nope',
    });
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain('preset "nope" not found');
  });
});

describe('presets check: guest sign-in in production', () => {
  it('refuses mcp with NODE_ENV=production and no identity preset as the boot does, and warns about the opt-in', async () => {
    const refused = await presets(['check', '--presets', 'recommended,mcp'], {
      NODE_ENV: 'production',
    });
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain(
      'preset "mcp" needs real sign-in with NODE_ENV=production, but no identity preset is selected',
    );
    expect(refused.stderr).toContain('set DEVPORTAL_ALLOW_GUEST=true');

    const optedIn = await presets(['check', '--presets', 'recommended,mcp'], {
      NODE_ENV: 'production',
      DEVPORTAL_ALLOW_GUEST: 'true',
    });
    expect(optedIn.code).toBe(0);
    expect(optedIn.stdout).toContain(
      'warning: guest sign-in is ON in production (NODE_ENV=production, DEVPORTAL_ALLOW_GUEST=true)',
    );
  });
});

describe('presets doctor against slapd and a TLS PostgreSQL', () => {
  const suffix = 'dc=example,dc=com';
  const ldapPassword = 'doctor-ldap-secret-Jm4';
  let slapd: SlapdServer;
  let pg: PostgresServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    const tls = await issueLoopbackCertificate();
    [slapd, pg] = await Promise.all([
      startSlapd({
        suffix,
        rootDn: `cn=admin,${suffix}`,
        rootPassword: ldapPassword,
        seedLdif: slapdFixture('openldap.ldif'),
      }),
      startPostgres({ tls }),
    ]);
    env = {
      VEECODE_PRESETS: 'postgres,ldap',
      ...pg.presetEnv(),
      POSTGRES_SSL_CA: tls.caPem,
      ...ldapPresetEnv(slapd, { suffix, adminPassword: ldapPassword }),
    };
  });

  afterAll(async () => {
    await Promise.all([slapd?.remove(), pg?.remove()]);
  });

  it('checks the shipped presets with the config the backend would get: exit 0, one line per check', async () => {
    const result = await presets(['doctor'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean).sort()).toEqual([
      `✓ LDAP bind and search, catalog.providers.ldapOrg.default (ldap): bound as cn=admin,${suffix}; 4 users under ou=people,${suffix}; 3 groups under ou=groups,${suffix}`,
      `✓ PostgreSQL login, backend.database (postgres): logged in as ${pg.user} over TLS; may create the plugins' databases (superuser)`,
    ]);
  });

  it('names POSTGRES_SSL_CA when the server certificate comes from another CA', async () => {
    const other = await issueLoopbackCertificate();
    const result = await presets(['doctor'], {
      ...env,
      POSTGRES_SSL_CA: other.caPem,
    });
    expect(result.code).toBe(78);
    // In the words of the backend's own check before a boot.
    expect(result.stdout).toContain(
      `✗ PostgreSQL login, backend.database (postgres): Cannot verify the TLS certificate of the PostgreSQL database at 127.0.0.1:${pg.port} (`,
    );
    expect(result.stdout).toContain(
      'fix: Check POSTGRES_SSL_CA (backend.database.connection.ssl)',
    );
  });

  it('exits 78 on a wrong secret, naming its variable and never its value, in text and --json', async () => {
    const wrong = 'doctor-wrong-secret-Ux7';
    const broken = { ...env, LDAP_SECRET: wrong, POSTGRES_PASSWORD: wrong };
    const text = await presets(['doctor'], broken);
    expect(text.code).toBe(78);
    expect(text.stdout).toContain(
      'fix: Set LDAP_SECRET (catalog.providers.ldapOrg.default.bind.secret)',
    );
    expect(text.stdout).toContain(
      'POSTGRES_PASSWORD (backend.database.connection.password)',
    );
    const json = await presets(['doctor', '--json'], broken);
    expect(json.code).toBe(78);
    expect(
      JSON.parse(json.stdout).checks.map(
        (c: { id: string; status: string }) => [c.id, c.status],
      ),
    ).toEqual(
      expect.arrayContaining([
        ['backend.database', 'problem'],
        ['catalog.providers.ldapOrg.default', 'problem'],
      ]),
    );
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      expect(output).not.toContain(wrong);
      expect(output).not.toContain(ldapPassword);
    }
  });
});

/*
 * In a process of its own: @azure/identity reaches the fake's authority
 * only with its CA (NODE_EXTRA_CA_CERTS) and the proxy for MSAL's instance
 * discovery, both read at process start.
 */
describe('presets doctor against the Microsoft fake', () => {
  const tenantId = '5b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4';
  const clientId = '0c1d2e3f-4a5b-4c6d-9e7f-8091a2b3c4d5';
  const clientSecret = 'doctor-entra-secret-Hq3~t';
  let microsoft: FakeMicrosoft;
  let env: Record<string, string>;

  beforeAll(async () => {
    microsoft = await startFakeMicrosoft({
      tenantId,
      organizationName: 'Acme Corp',
      clientId,
      clientSecret,
      redirectUris: ['http://localhost:7007/api/auth/microsoft/handler/frame'],
      directory: {
        users: [
          {
            id: '11111111-aaaa-4aaa-8aaa-111111111111',
            userPrincipalName: 'ana@acme.onmicrosoft.example',
            displayName: 'Ana Lima',
            password: 'ana-pass-1',
          },
        ],
        groups: [
          {
            id: '44444444-dddd-4ddd-8ddd-444444444444',
            displayName: 'Platform',
            members: ['11111111-aaaa-4aaa-8aaa-111111111111'],
          },
        ],
      },
    });
    env = { VEECODE_PRESETS: 'azure-auth', ...microsoft.presetsEnv() };
  });

  afterAll(async () => {
    await microsoft?.stop();
  });

  it("discovers the tenant, gets a Graph token with the app's secret and reads users and groups with it", async () => {
    const result = await presets(['doctor'], env);
    expect(result.stderr).toBe('');
    const host = new URL(microsoft.graphBaseUrl).host;
    expect(result.stdout).toContain(
      `✓ Microsoft tenant discovery, auth.providers.microsoft.production (azure-auth): issuer ${microsoft.authority}/${tenantId}/v2.0; authorization at ${microsoft.authority}/${tenantId}/oauth2/v2.0/authorize\n`,
    );
    expect(result.stdout).toContain(
      `✓ Microsoft Graph token and org read, catalog.providers.microsoftGraphOrg.default (azure-auth): a client-credentials token for ${host}; it reads users and reads groups\n`,
    );
    expect(result.code).toBe(0);
    expect(
      microsoft
        .requests()
        .filter(r => r.url.startsWith('/v1.0/'))
        .map(r => r.url),
    ).toEqual(['/v1.0/users?%24top=1', '/v1.0/groups?%24top=1']);
  });

  it('names the tenant and the client secret when Entra refuses them, never showing the secret', async () => {
    const wrong = 'doctor-wrong-entra-secret-Kk8';
    const result = await presets(['doctor', '--json'], {
      ...env,
      AZURE_AUTH_CLIENT_SECRET: wrong,
    });
    expect(result.code).toBe(78);
    const checks = JSON.parse(result.stdout).checks;
    expect(checks).toContainEqual({
      id: 'catalog.providers.microsoftGraphOrg.default',
      presets: ['azure-auth'],
      title: 'Microsoft Graph token and org read',
      status: 'problem',
      message: expect.stringContaining(
        `no Graph token from ${microsoft.authority} for tenant ${tenantId}: AADSTS7000215: Invalid client secret provided.`,
      ),
      fix: "Check AZURE_AUTH_CLIENT_ID (catalog.providers.microsoftGraphOrg.default.clientId), AZURE_AUTH_CLIENT_SECRET (catalog.providers.microsoftGraphOrg.default.clientSecret) and AZURE_AUTH_TENANT_ID (catalog.providers.microsoftGraphOrg.default.tenantId) (the app registration and its client secret's value)",
    });
    const unknownTenant = await presets(['doctor'], {
      ...env,
      AZURE_AUTH_TENANT_ID: '00000000-0000-0000-0000-000000000000',
    });
    expect(unknownTenant.code).toBe(78);
    expect(unknownTenant.stdout).toContain(
      '✗ Microsoft tenant discovery, auth.providers.microsoft.production (azure-auth): no OpenID provider configuration at ',
    );
    expect(unknownTenant.stdout).toContain(
      '    fix: Check AZURE_AUTH_TENANT_ID (auth.providers.microsoft.production.tenantId) and AZURE_AUTH_AUTHORITY (auth.providers.microsoft.production.authority)',
    );
    for (const output of [result.stdout, result.stderr, unknownTenant.stdout]) {
      expect(output).not.toContain(wrong);
      expect(output).not.toContain(clientSecret);
    }
  });
});
