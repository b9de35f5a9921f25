/*
 * `presets doctor` on the fixture presets: the framework (parallel checks,
 * timeouts, exit codes, redaction) with checks of its own, the LDAP and
 * PostgreSQL checks against a real slapd and PostgreSQL, and the identity
 * providers' checks against the Keycloak and Okta fakes, passing and
 * failing. Microsoft's, whose fake needs a CA and a proxy at process
 * start, are in e2e-tests' presetsCli.test.ts.
 */
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import {
  ldapPresetEnv,
  SlapdServer,
  slapdFixture,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';
import {
  PostgresServer,
  startPostgres,
} from '@devportal/test-utils/src/daemons/postgres';
import {
  FakeGithub,
  oauthAppOfBackend,
  startFakeGithub,
} from '@devportal/test-utils/src/fakes/github';
import {
  startFakeKeycloak,
  FakeKeycloak,
} from '@devportal/test-utils/src/fakes/keycloak';
import { acmeRealm } from '@devportal/test-utils/src/fakes/keycloak/acmeRealm';
import { keycloakPresetEnv } from '@devportal/test-utils/src/fakes/keycloak/oidcSignIn';
import { FakeOkta, startFakeOkta } from '@devportal/test-utils/src/fakes/okta';
import { doctorPresets } from './doctorPresets';
import { DoctorCheckFactory } from './doctor/doctorCheck';
import { runCli } from './__testUtils__/runCli';

jest.setTimeout(60_000);

const rootDir = FIXTURE_CATALOG_ROOT;
const SUFFIX = 'dc=example,dc=com';
const ADMIN_PASSWORD = 'doctor-admin-secret-K4p';

const run = (argv: string[], env: Record<string, string> = {}) =>
  runCli(rootDir, argv, env);

describe('doctor framework', () => {
  const ldapEnv = {
    VEECODE_PRESETS: 'ldap',
    LDAP_URL: 'ldap://127.0.0.1:1',
    LDAP_DN: 'cn=admin,dc=example,dc=com',
    LDAP_SECRET: 'framework-secret-Zq8',
    LDAP_USERS_BASE_DN: 'ou=people,dc=example,dc=com',
    LDAP_GROUPS_BASE_DN: 'ou=groups,dc=example,dc=com',
  };

  it('runs the checks of the keys the config sets, each against its own clock, secrets redacted', async () => {
    const started: string[] = [];
    const table: Record<string, DoctorCheckFactory> = {
      'catalog.providers.ldapOrg': (_config, name) => [
        {
          id: 'fast',
          title: 'Fast',
          run: async () => {
            started.push('fast');
            return { status: 'ok', message: 'fine' };
          },
        },
        {
          id: 'slow',
          title: 'Slow',
          run: (_c, { signal }) => {
            started.push('slow');
            return new Promise(resolveRun =>
              signal.addEventListener('abort', () =>
                resolveRun({ status: 'ok', message: 'too late' }),
              ),
            );
          },
        },
        {
          id: 'leaky',
          title: 'Leaky',
          run: async config => ({
            status: 'problem',
            message: `refused ${config.getString(
              'catalog.providers.ldapOrg.default.bind.secret',
            )}`,
            fix: `Set ${name('catalog.providers.ldapOrg.default.bind.secret')}`,
          }),
        },
      ],
      'auth.providers.github': () => {
        throw new Error('a key the config does not set builds no checks');
      },
    };
    const result = await doctorPresets({
      env: ldapEnv,
      rootDir,
      timeoutMs: 200,
      table,
    });
    expect(started.sort()).toEqual(['fast', 'slow']);
    expect(result.ok).toBe(false);
    expect(result.checks).toEqual([
      {
        id: 'fast',
        presets: ['ldap'],
        title: 'Fast',
        status: 'ok',
        message: 'fine',
      },
      {
        id: 'slow',
        presets: ['ldap'],
        title: 'Slow',
        status: 'problem',
        message: 'no answer within 0.2 s',
        fix: 'Check that the endpoint slow names is reachable from here, or allow more time with --timeout',
      },
      {
        id: 'leaky',
        presets: ['ldap'],
        title: 'Leaky',
        status: 'problem',
        message: 'refused <secret>',
        fix: 'Set LDAP_SECRET (catalog.providers.ldapOrg.default.bind.secret)',
      },
    ]);
  });

  it('runs no check when the gate refuses the selection, and exits 78', async () => {
    const { LDAP_SECRET: _unset, ...missing } = ldapEnv;
    const result = await run(['doctor'], missing);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('LDAP_SECRET');
    expect(result.stderr).toContain('No live check ran');
  });

  it('says so when nothing is there to check, and exits 0', async () => {
    const result = await run(['doctor', '--presets', '']);
    expect(result).toEqual({
      code: 0,
      stdout:
        'No live check applies: the selection configures nothing doctor can reach.\n',
      stderr: '',
    });
  });

  it('refuses a --timeout that is no number of seconds', async () => {
    const result = await run(['doctor', '--timeout', 'soon']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(
      '--timeout needs a number of seconds above 0, not "soon"',
    );
  });
});

describe('doctor on OAuth clients', () => {
  it("prints each client's redirect URI as the backend will send it", async () => {
    const secret = 'oauth-client-secret-Wd9';
    const result = await run(['doctor', '--presets', 'github-auth'], {
      GITHUB_PAT: 'ghp_doctorTokenValue',
      GITHUB_ORG: 'acme',
      GITHUB_AUTH_CLIENT_ID: 'client-id',
      GITHUB_AUTH_CLIENT_SECRET: secret,
      BACKEND_BASE_URL: 'https://portal.example.com/',
    });
    expect(result.stdout).toContain(
      'i OAuth redirect URI, auth.providers.github.production (github-auth): https://portal.example.com/api/auth/github/handler/frame; the client registered at the provider must allow exactly this\n',
    );
    expect(result.stdout).not.toContain(secret);
    expect(result.stdout).not.toContain('ghp_doctorTokenValue');
  });
});

describe('doctor against slapd', () => {
  let slapd: SlapdServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    slapd = await startSlapd({
      suffix: SUFFIX,
      rootDn: `cn=admin,${SUFFIX}`,
      rootPassword: ADMIN_PASSWORD,
      seedLdif: slapdFixture('openldap.ldif'),
    });
    env = {
      VEECODE_PRESETS: 'ldap',
      ...ldapPresetEnv(slapd, {
        suffix: SUFFIX,
        adminPassword: ADMIN_PASSWORD,
      }),
    };
  });

  afterAll(async () => {
    await slapd?.remove();
  });

  it('binds, counts the users and groups of both base DNs, and exits 0', async () => {
    const result = await run(['doctor'], env);
    expect(result).toEqual({
      code: 0,
      stdout:
        `✓ LDAP bind and search, catalog.providers.ldapOrg.default (ldap): bound as cn=admin,${SUFFIX}; ` +
        `4 users under ou=people,${SUFFIX}; 3 groups under ou=groups,${SUFFIX}\n`,
      stderr: '',
    });
  });

  it('names LDAP_SECRET on a wrong password, never showing it', async () => {
    const wrong = 'wrong-password-Vb3';
    const result = await run(['doctor', '--json'], {
      ...env,
      LDAP_SECRET: wrong,
    });
    expect(result.code).toBe(78);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      presets: [{ name: 'ldap', version: expect.any(String) }],
      checks: [
        {
          id: 'catalog.providers.ldapOrg.default',
          presets: ['ldap'],
          title: 'LDAP bind and search',
          status: 'problem',
          message: `the directory refused the bind as cn=admin,${SUFFIX}: invalid credentials`,
          fix: `Set LDAP_SECRET (catalog.providers.ldapOrg.default.bind.secret) to the password of LDAP_DN (catalog.providers.ldapOrg.default.bind.dn)`,
        },
      ],
      problems: [],
    });
    expect(result.stdout).not.toContain(wrong);
  });

  it('names LDAP_GROUPS_BASE_DN on a base DN that does not exist', async () => {
    const result = await run(['doctor'], {
      ...env,
      LDAP_GROUPS_BASE_DN: `ou=teams,${SUFFIX}`,
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toBe(
      `✗ LDAP bind and search, catalog.providers.ldapOrg.default (ldap): no entry at the groups base DN ou=teams,${SUFFIX}\n` +
        `    fix: Set LDAP_GROUPS_BASE_DN (catalog.providers.ldapOrg.default.groups[0].dn) to a DN that exists in the directory\n`,
    );
    expect(result.stdout).not.toContain(ADMIN_PASSWORD);
  });
});

describe('doctor against PostgreSQL', () => {
  let pg: PostgresServer;
  const READER_PASSWORD = 'reader-secret-Hn2';

  beforeAll(async () => {
    pg = await startPostgres();
    await pg.query(
      `CREATE ROLE reader LOGIN PASSWORD '${READER_PASSWORD}' NOCREATEDB`,
    );
    await pg.query('CREATE DATABASE shared OWNER reader');
  });

  afterAll(async () => {
    await pg?.remove();
  });

  const doctor = (env: Record<string, string>) =>
    run(['doctor'], { VEECODE_PRESETS: 'postgres', ...pg.presetEnv(), ...env });

  it("logs in and finds that the role may create the plugins' databases", async () => {
    expect(await doctor({})).toEqual({
      code: 0,
      stdout: `✓ PostgreSQL login, backend.database (postgres): logged in as ${pg.user} without TLS; may create the plugins' databases (superuser)\n`,
      stderr: '',
    });
  });

  it('names POSTGRES_PASSWORD on a wrong password, never showing it', async () => {
    const wrong = 'wrong-pg-password-Rt5';
    const result = await doctor({ POSTGRES_PASSWORD: wrong });
    expect(result.code).toBe(78);
    // In the words of the backend's own check before a boot.
    expect(result.stdout).toContain(
      `✗ PostgreSQL login, backend.database (postgres): The PostgreSQL database at 127.0.0.1:${pg.port} refused the login of user "${pg.user}" (password authentication failed for user "${pg.user}")\n`,
    );
    expect(result.stdout).toContain(
      `    fix: Check POSTGRES_USER (backend.database.connection.user) and POSTGRES_PASSWORD (backend.database.connection.password)\n`,
    );
    expect(result.stdout).not.toContain(wrong);
  });

  it('names POSTGRES_DB when the role may not create databases', async () => {
    const result = await doctor({
      POSTGRES_USER: 'reader',
      POSTGRES_PASSWORD: READER_PASSWORD,
    });
    expect(result).toEqual({
      code: 78,
      stdout:
        "✗ PostgreSQL login, backend.database (postgres): logged in as reader without TLS, but the role may not create the plugins' databases (neither CREATEDB nor superuser)\n" +
        '    fix: Grant it (ALTER ROLE reader CREATEDB), or set POSTGRES_DB (backend.database.connection.database) to one existing database the role may create schemas in\n',
      stderr: '',
    });
  });

  it('accepts such a role with one shared database it may create schemas in', async () => {
    const result = await doctor({
      POSTGRES_USER: 'reader',
      POSTGRES_PASSWORD: READER_PASSWORD,
      POSTGRES_DB: 'shared',
    });
    expect(result).toEqual({
      code: 0,
      stdout:
        "✓ PostgreSQL login, backend.database (postgres): logged in as reader without TLS; may create the plugins' schemas in shared\n",
      stderr: '',
    });
  });
});

describe('doctor against the GitHub fake', () => {
  const pat = 'ghp_doctorFakeToken0001';
  let github: FakeGithub;

  beforeAll(async () => {
    github = await startFakeGithub({
      org: 'acme',
      pat,
      oauthApp: oauthAppOfBackend(7007, {
        clientId: 'client-id',
        clientSecret: 'client-secret',
      }),
      users: [],
      members: [],
    });
  });

  afterAll(async () => {
    await github?.stop();
  });

  it('reports whose token it is and its scopes', async () => {
    const result = await run(['doctor', '--presets', 'github'], {
      ...github.presetsEnv,
    });
    const host = new URL(github.baseUrl).host;
    expect(result).toEqual({
      code: 0,
      stdout:
        `✓ GitHub token, integrations.github[0] (github): ${host} takes the token, acme-bot's; scopes: read:org, repo; enough for discovery (repo)\n` +
        `✓ GitHub discovery access, catalog.providers.github.default (github): the token sees the organization acme on ${host}\n`,
      stderr: '',
    });
  });

  it('names GITHUB_PAT on a token GitHub refuses, never showing it', async () => {
    const wrong = 'ghp_doctorWrongToken999';
    const result = await run(['doctor', '--presets', 'github'], {
      ...github.presetsEnv,
      GITHUB_PAT: wrong,
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toContain('refused the token (401 Bad credentials)');
    expect(result.stdout).toContain(
      '    fix: Set GITHUB_PAT (integrations.github[0].token) to a valid token\n',
    );
    expect(result.stdout).not.toContain(wrong);
  });

  it('names GITHUB_ORG for an organization GitHub does not have', async () => {
    const result = await run(['doctor', '--presets', 'github'], {
      ...github.presetsEnv,
      GITHUB_ORG: 'globex',
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toContain(
      `✗ GitHub discovery access, catalog.providers.github.default (github): ${
        new URL(github.baseUrl).host
      } has no organization globex that the token can see\n` +
        '    fix: Check GITHUB_ORG (catalog.providers.github.default.organization)\n',
    );
  });

  describe('with the org sync', () => {
    const presets = ['doctor', '--json', '--presets', 'github,github-auth'];
    const checksOf = (stdout: string) =>
      (
        JSON.parse(stdout).checks as Array<{ id: string; status: string }>
      ).filter(check => check.id !== 'auth.providers.github.production');
    let narrow: FakeGithub;
    let member: FakeGithub;

    beforeAll(async () => {
      const fake = (options: { patScopes?: string[]; member?: boolean }) =>
        startFakeGithub({
          org: 'acme',
          pat,
          patScopes: options.patScopes,
          patOwnerIsMember: options.member,
          oauthApp: oauthAppOfBackend(7007, {
            clientId: 'client-id',
            clientSecret: 'client-secret',
          }),
          users: [],
          members: [],
        });
      [narrow, member] = await Promise.all([
        fake({ patScopes: ['repo'], member: true }),
        fake({ member: true }),
      ]);
    });

    afterAll(async () => {
      await Promise.all([narrow?.stop(), member?.stop()]);
    });

    it("passes with a member's token that has repo and read:org", async () => {
      const result = await run(presets, member.presetsEnv);
      const host = new URL(member.baseUrl).host;
      expect(result.code).toBe(0);
      expect(checksOf(result.stdout)).toEqual([
        {
          id: 'integrations.github[0]',
          presets: ['github'],
          title: 'GitHub token',
          status: 'ok',
          message: `${host} takes the token, acme-bot's; scopes: read:org, repo; enough for discovery (repo) and org sync (read:org)`,
        },
        {
          id: 'catalog.providers.github.default',
          presets: ['github'],
          title: 'GitHub discovery access',
          status: 'ok',
          message: `the token sees the organization acme on ${host}`,
        },
        {
          id: 'catalog.providers.githubOrg.orgs[0]',
          presets: ['github-auth'],
          title: 'GitHub org sync access',
          status: 'ok',
          message:
            "the token's account acme-bot is a member (member) of acme: the org sync sees its members and teams",
        },
      ]);
    });

    it('names GITHUB_PAT and the scope the org sync lacks', async () => {
      const result = await run(presets, narrow.presetsEnv);
      const host = new URL(narrow.baseUrl).host;
      expect(result.code).toBe(78);
      expect(checksOf(result.stdout)[0]).toEqual({
        id: 'integrations.github[0]',
        presets: ['github'],
        title: 'GitHub token',
        status: 'problem',
        message: `${host} takes the token, acme-bot's, but it lacks read:org, which org sync (catalog.providers.githubOrg) needs; scopes: repo`,
        fix: 'Give the token in GITHUB_PAT (integrations.github[0].token) the scope read:org, or set it to a token that has them',
      });
      expect(result.stdout).not.toContain(pat);
    });

    it("names GITHUB_PAT when the token's account is no member of the organization", async () => {
      const result = await run(presets, github.presetsEnv);
      expect(result.code).toBe(78);
      expect(checksOf(result.stdout)[2]).toEqual({
        id: 'catalog.providers.githubOrg.orgs[0]',
        presets: ['github-auth'],
        title: 'GitHub org sync access',
        status: 'problem',
        message:
          "the token's account is no member of acme: the org sync would see only its public members and no teams",
        fix: "Make the account a member of acme, or set GITHUB_PAT (integrations.github[0].token) to a member's token (scope read:org)",
      });
    });
  });
});

describe('doctor against the Keycloak fake', () => {
  const clientSecret = 'kc-doctor-secret-Pw4';
  let keycloak: FakeKeycloak;
  let env: Record<string, string>;

  beforeAll(async () => {
    keycloak = await startFakeKeycloak(
      acmeRealm({ clientSecret, backendBaseUrl: 'http://localhost:7007' }),
    );
    env = {
      VEECODE_PRESETS: 'keycloak',
      AUTH_SESSION_SECRET: 'doctor-session-secret-0123456789abcdef',
      ...keycloakPresetEnv(keycloak, { clientId: 'devportal', clientSecret }),
    };
  });

  afterEach(async () => {
    await keycloak?.control({
      serviceAccountRoles: ['view-users', 'query-users', 'query-groups'],
    });
  });

  afterAll(async () => {
    await keycloak?.stop();
  });

  it("discovers the realm's issuer and reads users and groups with the service account's token", async () => {
    const result = await run(['doctor'], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      `✓ OIDC issuer discovery, auth.providers.oidc.production (keycloak): issuer ${keycloak.issuer}; authorization at ${keycloak.issuer}/protocol/openid-connect/auth\n`,
    );
    expect(result.stdout).toContain(
      '✓ Keycloak token and org read, catalog.providers.keycloakOrg.default (keycloak): a service account token for devportal from realm acme; realm acme has 2 users and 3 groups\n',
    );
    expect(result.code).toBe(0);
    const requests = await keycloak.requests();
    expect(requests.map(r => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'GET /admin/realms/acme/users/count',
        'GET /admin/realms/acme/groups/count',
      ]),
    );
  });

  it('names KEYCLOAK_CLIENT_SECRET when Keycloak refuses the token, never showing it', async () => {
    const wrong = 'kc-wrong-secret-Mm7';
    const result = await run(['doctor', '--json'], {
      ...env,
      KEYCLOAK_CLIENT_SECRET: wrong,
    });
    expect(result.code).toBe(78);
    const { checks } = JSON.parse(result.stdout);
    expect(checks).toContainEqual({
      id: 'catalog.providers.keycloakOrg.default',
      presets: ['keycloak'],
      title: 'Keycloak token and org read',
      status: 'problem',
      message: `Keycloak refused a client_credentials token at ${keycloak.issuer}/protocol/openid-connect/token (401: invalid_client)`,
      fix: 'Check KEYCLOAK_CLIENT_ID (catalog.providers.keycloakOrg.default.clientId) and KEYCLOAK_CLIENT_SECRET (catalog.providers.keycloakOrg.default.clientSecret); the client needs "Service accounts roles" enabled in realm acme',
    });
    expect(result.stdout).not.toContain(wrong);
    expect(result.stdout).not.toContain(clientSecret);
  });

  it('says which list a token without the roles may not read', async () => {
    await keycloak.control({ serviceAccountRoles: ['query-users'] });
    const result = await run(['doctor'], env);
    expect(result.code).toBe(78);
    expect(result.stdout).toContain(
      `✗ Keycloak token and org read, catalog.providers.keycloakOrg.default (keycloak): the service account's token may not read groups: GET ${keycloak.baseUrl}/admin/realms/acme/groups/count answered 403\n` +
        '    fix: Give the service account of KEYCLOAK_CLIENT_ID (catalog.providers.keycloakOrg.default.clientId) the realm-management roles view-users, query-users and query-groups\n',
    );
  });

  it('names the variables of the OIDC issuer when discovery finds no provider there', async () => {
    const result = await run(['doctor'], {
      ...env,
      KEYCLOAK_REALM: 'nowhere',
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toContain(
      `✗ OIDC issuer discovery, auth.providers.oidc.production (keycloak): no OpenID provider configuration at ${keycloak.baseUrl}/realms/nowhere/.well-known/openid-configuration: Realm does not exist\n` +
        `    fix: Check KEYCLOAK_BASE_URL or KEYCLOAK_REALM (auth.providers.oidc.production.metadataUrl): the sign-in provider's discovery document must answer at ${keycloak.baseUrl}/realms/nowhere/.well-known/openid-configuration\n`,
    );
  });

  it("checks the oidc preset's issuer the same way", async () => {
    const ok = await run(['doctor', '--presets', 'oidc'], {
      OIDC_ISSUER_URL: keycloak.issuer,
      OIDC_CLIENT_ID: 'devportal',
      OIDC_CLIENT_SECRET: clientSecret,
    });
    expect(ok.stdout).toContain(
      `✓ OIDC issuer discovery, auth.providers.oidc.production (oidc): issuer ${keycloak.issuer}; authorization at ${keycloak.issuer}/protocol/openid-connect/auth\n`,
    );
    expect(ok.code).toBe(0);
    const wrong = await run(['doctor', '--presets', 'oidc'], {
      OIDC_ISSUER_URL: `${keycloak.baseUrl}/realms/elsewhere/`,
      OIDC_CLIENT_ID: 'devportal',
      OIDC_CLIENT_SECRET: clientSecret,
    });
    expect(wrong.code).toBe(78);
    expect(wrong.stdout).toContain(
      '    fix: Check OIDC_ISSUER_URL (auth.providers.oidc.production.metadataUrl)',
    );
    expect(wrong.stdout).not.toContain(clientSecret);
  });
});

describe('doctor against the Okta fake', () => {
  const apiToken = 'okta-doctor-token-Jx2';
  const person = (id: string, name: string) => ({
    id,
    login: `${name.toLowerCase()}@acme.example`,
    email: `${name.toLowerCase()}@acme.example`,
    firstName: name,
    lastName: 'Okta',
    password: `${name}-pass`,
  });
  let okta: FakeOkta;
  let env: Record<string, string>;

  beforeAll(async () => {
    const ana = person('00u1ana', 'Ana');
    const bruno = person('00u2bruno', 'Bruno');
    const eve = person('00u3eve', 'Eve');
    okta = await startFakeOkta({
      app: {
        clientId: 'okta-client',
        clientSecret: 'okta-client-secret-Lq5',
        redirectUris: ['http://localhost:7007/api/auth/okta/handler/frame'],
      },
      apiToken,
      users: [ana, bruno, eve],
      groups: [
        { id: '00g1platform', name: 'Platform', members: [ana.id, bruno.id] },
      ],
    });
    env = {
      VEECODE_PRESETS: 'okta',
      OKTA_ORG_URL: okta.orgUrl,
      OKTA_CLIENT_ID: 'okta-client',
      OKTA_CLIENT_SECRET: 'okta-client-secret-Lq5',
      OKTA_API_TOKEN: apiToken,
    };
  });

  afterAll(async () => {
    await okta?.stop();
  });

  it("discovers the org's authorization server and reads a page of users and groups with the API token", async () => {
    const result = await run(['doctor'], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      `✓ Okta issuer discovery, auth.providers.okta.production (okta): issuer ${okta.orgUrl}; authorization at ${okta.orgUrl}/oauth2/v1/authorize\n`,
    );
    const host = new URL(okta.orgUrl).host;
    // The fake pages by two: a next page follows the users' first.
    expect(result.stdout).toContain(
      `✓ Okta API token, catalog.providers.oktaOrg.default (okta): ${host} takes the API token; the first page has 2+ users and 1 groups\n`,
    );
    expect(result.code).toBe(0);
    expect(
      okta
        .requests()
        .filter(r => r.path.startsWith('/api/'))
        .map(r => `${r.path} ${r.authScheme}`),
    ).toEqual(['/api/v1/users SSWS', '/api/v1/groups SSWS']);
  });

  it("finds a custom authorization server's document below its id", async () => {
    const result = await run(['doctor'], {
      ...env,
      OKTA_AUTH_SERVER_ID: 'default',
    });
    expect(result.stdout).toContain(
      `✓ Okta issuer discovery, auth.providers.okta.production (okta): issuer ${okta.orgUrl}/oauth2/default; authorization at ${okta.orgUrl}/oauth2/default/v1/authorize\n`,
    );
  });

  it('names OKTA_API_TOKEN on a token Okta refuses, never showing it', async () => {
    const wrong = 'okta-wrong-token-Zz9';
    const result = await run(['doctor'], { ...env, OKTA_API_TOKEN: wrong });
    expect(result.code).toBe(78);
    expect(result.stdout).toContain(
      '✗ Okta API token, catalog.providers.oktaOrg.default (okta): Okta refused the API token: Okta answered HTTP 401 to GET',
    );
    expect(result.stdout).toContain(
      '    fix: Set OKTA_API_TOKEN (catalog.providers.oktaOrg.default.token) to a valid API token of this org (Security > API > Tokens)\n',
    );
    expect(result.stdout).not.toContain(wrong);
    expect(result.stdout).not.toContain(apiToken);
  });
});
