/*
 * `presets doctor` on the shipped SCM presets against the fakes, passing
 * and failing: a GitHub App (github, github-auth: its JWT, its installation
 * on each organization of GITHUB_ORG with the permissions each job needs),
 * GitLab (the token's scopes, the groups of GITLAB_GROUP and their members)
 * and Azure DevOps (the PAT against the organization and the project,
 * through code search; the command run as a process, since only
 * NODE_EXTRA_CA_CERTS makes it trust the fake's certificate, as it would an
 * operator's own CA).
 */
import { execFile } from 'child_process';
import { resolve } from 'path';
import { promisify } from 'util';
import {
  FakeGithub,
  FakeGithubAppInput,
  FakeGithubConfig,
  githubAppKeyPair,
  oauthAppOfBackend,
  startFakeGithub,
} from '@devportal/test-utils/src/fakes/github';
import {
  FakeGitLab,
  startFakeGitLab,
} from '@devportal/test-utils/src/fakes/gitlab';
import {
  FakeAzureDevOps,
  startFakeAzureDevOps,
} from '@devportal/test-utils/src/fakes/azure-devops';
import {
  LoopbackCertificate,
  issueLoopbackCertificate,
} from '@devportal/test-utils/src/daemons/tls';
import { runCli } from './__testUtils__/runCli';

jest.setTimeout(60_000);

const rootDir = resolve(__dirname, '../../..');

/** The checks of a `--json` run, by id, without the OAuth redirect URI lines. */
function checksOf(stdout: string) {
  return Object.fromEntries(
    (
      JSON.parse(stdout).checks as Array<{
        id: string;
        status: string;
        message: string;
      }>
    ).map(({ id, ...check }) => [id, check]),
  );
}

describe('doctor on a GitHub App (github, github-auth)', () => {
  const APP_ID = 80_321;
  const keys = githubAppKeyPair();
  let github: FakeGithub;

  /** A fake GitHub with the App installed on acme, with these permissions or GitHub's defaults. */
  const startWithApp = (
    options: Pick<FakeGithubConfig, 'otherOrgs'> &
      Pick<FakeGithubAppInput, 'permissions'> = {},
  ) =>
    startFakeGithub({
      org: 'acme',
      otherOrgs: options.otherOrgs,
      app: {
        appId: APP_ID,
        clientId: 'Iv23liDoctorApp',
        clientSecret: 'doctor-app-client-secret-Qm4',
        publicKey: keys.publicKey,
        privateKey: keys.privateKey,
        permissions: options.permissions,
      },
      oauthApp: oauthAppOfBackend(7007, {
        clientId: 'client-id',
        clientSecret: 'client-secret',
      }),
      users: [],
      members: [],
    });

  beforeAll(async () => {
    github = await startWithApp({ otherOrgs: ['globex'] });
  });

  afterAll(async () => {
    await github?.stop();
  });

  const doctor = (env: Record<string, string>) =>
    runCli(rootDir, ['doctor', '--json', '--presets', 'github,github-auth'], {
      ...github.presetsEnv,
      ...env,
    });

  it('finds the App by its key, installed on one organization of GITHUB_ORG and not on the other', async () => {
    const result = await doctor({});
    const host = new URL(github.baseUrl).host;
    expect(result.code).toBe(78);
    const checks = checksOf(result.stdout);
    expect(checks).toMatchObject({
      'integrations.github[0].apps[0]': {
        presets: ['github', 'github-auth'],
        title: 'GitHub App',
        status: 'ok',
        message: `${host} takes the JWT of the GitHub App ${APP_ID}; installed on acme`,
      },
      'catalog.providers.github.default': {
        presets: ['github'],
        title: 'GitHub discovery access',
        status: 'ok',
        message:
          'the GitHub App backstage is installed on acme with contents: read, metadata: read',
      },
      'catalog.providers.github.default-globex': {
        presets: ['github'],
        title: 'GitHub discovery access',
        status: 'problem',
        message: `the GitHub App ${APP_ID} is not installed on globex`,
        fix: 'Install the App of GITHUB_APP_ID (integrations.github[0].apps[0].appId) on globex, or remove globex from GITHUB_ORG (catalog.providers.github.default-globex.organization)',
      },
      'catalog.providers.githubOrg.orgs[0]': {
        presets: ['github-auth'],
        title: 'GitHub org sync access',
        status: 'ok',
        message:
          'the GitHub App backstage is installed on acme with members: read',
      },
      'catalog.providers.githubOrg.orgs[1]': {
        presets: ['github-auth'],
        title: 'GitHub org sync access',
        status: 'problem',
        message: `the GitHub App ${APP_ID} is not installed on globex`,
      },
    });
  });

  it("names GITHUB_APP_PRIVATE_KEY when the key is not the App's, never showing it", async () => {
    const other = githubAppKeyPair();
    const result = await doctor({
      GITHUB_ORG: 'acme',
      GITHUB_APP_PRIVATE_KEY: other.privateKey,
    });
    expect(result.code).toBe(78);
    const app = checksOf(result.stdout)['integrations.github[0].apps[0]'];
    expect(app).toMatchObject({
      status: 'problem',
      fix: 'Check GITHUB_APP_ID (integrations.github[0].apps[0].appId) and GITHUB_APP_PRIVATE_KEY (integrations.github[0].apps[0].privateKey): the key must be a private key of that App',
    });
    expect(app.message).toContain(
      `refused the JWT of the GitHub App ${APP_ID}: A JSON web token could not be decoded`,
    );
    const keyBody = other.privateKey.split('\n')[1];
    expect(result.stdout).not.toContain(keyBody);
  });

  it('names the permission an installation lacks for the org sync', async () => {
    const narrow = await startWithApp({
      permissions: { contents: 'read', metadata: 'read' },
    });
    try {
      const result = await runCli(
        rootDir,
        ['doctor', '--json', '--presets', 'github,github-auth'],
        narrow.presetsEnv,
      );
      expect(result.code).toBe(78);
      expect(checksOf(result.stdout)).toMatchObject({
        'catalog.providers.github.default': { status: 'ok' },
        'catalog.providers.githubOrg.orgs[0]': {
          status: 'problem',
          message:
            'the GitHub App backstage is installed on acme without members: read, which org sync needs',
          fix: 'Grant the App of GITHUB_APP_ID (integrations.github[0].apps[0].appId) members: read in its settings, then accept the new permissions on acme',
        },
      });
    } finally {
      await narrow.stop();
    }
  });
});

describe('doctor on GitLab (gitlab)', () => {
  const TOKEN = 'glpat-doctor-sync-token-7d6c';
  const NARROW = 'glpat-doctor-narrow-token-1a2b';
  let gitlab: FakeGitLab;

  beforeAll(async () => {
    gitlab = await startFakeGitLab({
      applications: [],
      accessTokens: [
        {
          token: TOKEN,
          username: 'devportal-sync',
          name: 'devportal sync',
          expiresAt: '2027-06-30',
        },
        {
          token: NARROW,
          username: 'devportal-sync',
          scopes: ['read_repository'],
        },
      ],
      users: [
        {
          id: 1,
          username: 'devportal-sync',
          name: 'Sync',
          email: 'sync@acme.example',
        },
        { id: 2, username: 'ana', name: 'Ana', email: 'ana@acme.example' },
      ],
      groups: [
        {
          id: 10,
          fullPath: 'acme',
          name: 'Acme',
          members: ['devportal-sync', 'ana'],
        },
        { id: 11, fullPath: 'secret', members: ['ana'] },
      ],
    });
  });

  afterAll(async () => {
    await gitlab?.stop();
  });

  const doctor = (env: Record<string, string>) =>
    runCli(rootDir, ['doctor', '--json', '--presets', 'gitlab'], {
      GITLAB_HOST: gitlab.host,
      GITLAB_BASE_URL: gitlab.baseUrl,
      GITLAB_AUTH_CLIENT_ID: 'client-id',
      GITLAB_AUTH_CLIENT_SECRET: 'client-secret',
      GITLAB_TOKEN: TOKEN,
      GITLAB_GROUP: 'acme',
      ...env,
    });

  it("reads the token's scopes, the group and its members", async () => {
    const result = await doctor({});
    expect(result.code).toBe(0);
    expect(checksOf(result.stdout)).toMatchObject({
      'integrations.gitlab[0]': {
        presets: ['gitlab'],
        title: 'GitLab token',
        status: 'ok',
        message: `${gitlab.host} takes the token "devportal sync", expiring on 2027-06-30; scopes: read_api; enough for discovery and org sync (catalog.providers.gitlab.default)`,
      },
      'catalog.providers.gitlab.default': {
        presets: ['gitlab'],
        title: 'GitLab group access',
        status: 'ok',
        message: 'the token sees the group acme (Acme) and its members (2)',
      },
    });
  });

  it('names GITLAB_TOKEN for a token without read_api, and GITLAB_GROUP for a group it cannot see', async () => {
    const result = await doctor({
      GITLAB_TOKEN: NARROW,
      GITLAB_GROUP: 'acme,secret',
    });
    expect(result.code).toBe(78);
    expect(checksOf(result.stdout)).toMatchObject({
      'integrations.gitlab[0]': {
        status: 'problem',
        message: `${gitlab.host} takes the token "backstage"; scopes: read_repository; discovery and org sync (catalog.providers.gitlab.default, catalog.providers.gitlab.default-secret) needs read_api or api`,
        fix: 'Give the token in GITLAB_TOKEN (integrations.gitlab[0].token) the scope read_api, or set it to a token that has it',
      },
      'catalog.providers.gitlab.default': {
        status: 'problem',
        message: 'GET /groups/acme answered 403',
      },
    });
    const secret = await doctor({ GITLAB_GROUP: 'acme,secret' });
    expect(checksOf(secret.stdout)).toMatchObject({
      'catalog.providers.gitlab.default': { status: 'ok' },
      'catalog.providers.gitlab.default-secret': {
        status: 'problem',
        message: `${gitlab.host} has no group secret that the token can see`,
        fix: "Check GITLAB_GROUP (catalog.providers.gitlab.default-secret.group) (a group's full path), or make the token's account a member of the group",
      },
    });
    expect(result.stdout + secret.stdout).not.toContain(NARROW);
  });

  it('names GITLAB_TOKEN for a token GitLab does not know, never showing it', async () => {
    const wrong = 'glpat-doctor-wrong-token-0000';
    const result = await doctor({ GITLAB_TOKEN: wrong });
    expect(result.code).toBe(78);
    expect(checksOf(result.stdout)['integrations.gitlab[0]']).toEqual({
      presets: ['gitlab'],
      title: 'GitLab token',
      status: 'problem',
      message: `${gitlab.host} refused the token (401 Unauthorized): unknown, revoked or expired`,
      fix: 'Set GITLAB_TOKEN (integrations.gitlab[0].token) to a valid access token',
    });
    expect(result.stdout).not.toContain(wrong);
  });
});

describe('doctor on Azure DevOps (azure)', () => {
  const PAT = 'azure-doctor-pat-Vx93kq';
  let tls: LoopbackCertificate;
  let azure: FakeAzureDevOps;

  beforeAll(async () => {
    tls = await issueLoopbackCertificate();
    azure = await startFakeAzureDevOps({
      organization: 'acme',
      personalAccessToken: PAT,
      tls,
      projects: [
        {
          name: 'shop',
          repositories: [
            { name: 'billing', files: { '/catalog-info.yaml': 'kind: x' } },
            { name: 'web', files: { '/catalog-info.yaml': 'kind: y' } },
          ],
        },
      ],
    });
  });

  afterAll(async () => {
    await azure?.stop();
  });

  /** `yarn presets doctor` as an operator runs it, trusting the fake's CA. */
  async function doctor(env: Record<string, string>) {
    const run = await promisify(execFile)(
      process.execPath,
      [
        resolve(rootDir, 'packages/presets-cli/bin/presets.js'),
        'doctor',
        '--json',
        '--presets',
        'azure',
      ],
      {
        cwd: rootDir,
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: tls.caFile,
          AZURE_DEVOPS_TOKEN: PAT,
          AZURE_DEVOPS_HOST: azure.host,
          AZURE_DEVOPS_ORG: 'acme',
          AZURE_DEVOPS_PROJECT: 'shop',
          ...env,
        },
      },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error);
    return {
      code: 'code' in run ? run.code : 0,
      stdout: run.stdout,
      stderr: run.stderr,
    };
  }

  it('searches the code of the project as discovery does, and counts the catalog files', async () => {
    const result = await doctor({});
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(checksOf(result.stdout)).toEqual({
      'catalog.providers.azureDevOps.default': {
        presets: ['azure'],
        title: 'Azure DevOps discovery access',
        status: 'ok',
        message:
          'the token searches the code of acme/shop; 2 /catalog-info.yaml files found',
      },
    });
  });

  it('names AZURE_DEVOPS_TOKEN for a PAT the organization refuses, and AZURE_DEVOPS_PROJECT for a project it lacks', async () => {
    const wrong = 'azure-doctor-wrong-pat-000';
    const [refused, missing] = await Promise.all([
      doctor({ AZURE_DEVOPS_TOKEN: wrong }),
      doctor({ AZURE_DEVOPS_PROJECT: 'warehouse' }),
    ]);
    expect(refused.code).toBe(78);
    expect(checksOf(refused.stdout)).toEqual({
      'catalog.providers.azureDevOps.default': {
        presets: ['azure'],
        title: 'Azure DevOps discovery access',
        status: 'problem',
        message: `${azure.host} refused the personal access token for the organization acme (401)`,
        fix: 'Set AZURE_DEVOPS_TOKEN (integrations.azure[0].credentials[0].personalAccessToken) to a valid token of acme (scope Code: Read)',
      },
    });
    expect(refused.stdout).not.toContain(wrong);
    expect(missing.code).toBe(78);
    expect(checksOf(missing.stdout)).toEqual({
      'catalog.providers.azureDevOps.default': {
        presets: ['azure'],
        title: 'Azure DevOps discovery access',
        status: 'problem',
        message: `${azure.host}/acme has no project warehouse that the token can see`,
        fix: 'Check AZURE_DEVOPS_PROJECT (catalog.providers.azureDevOps.default.project)',
      },
    });
    expect(refused.stdout + missing.stdout).not.toContain(PAT);
  });
});
