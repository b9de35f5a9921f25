/*
 * The fake GitHub's App side against Backstage's own GitHub App client
 * (@backstage/integration's SingleInstanceGithubCredentialsProvider, on
 * @octokit/auth-app): the JWT it signs is verified with the App's public key,
 * the installation token it gets serves the API, and a fake without a PAT
 * takes no PAT. Plus the JWTs GitHub refuses. No backend: plain requests.
 */
import { execFile } from 'child_process';
import { promisify } from 'util';
import { KeyObject, sign } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { SingleInstanceGithubCredentialsProvider } from '@backstage/integration';
import { FakeGithub, githubAppKeyPair, startFakeGithub } from '.';

/** A JWT as an App signs it, with claims a test may spoil. */
function jwt(key: KeyObject, claims: Record<string, unknown>): string {
  const part = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key).toString(
    'base64url',
  )}`;
}

describe('fake GitHub with a GitHub App and no PAT', () => {
  const APP_ID = 4711;
  const keys = githubAppKeyPair();
  let github: FakeGithub;

  beforeAll(async () => {
    github = await startFakeGithub({
      org: 'acme',
      app: {
        appId: APP_ID,
        clientId: 'Iv23liFakeApp',
        clientSecret: 'app-client-secret',
        publicKey: keys.publicKey,
        privateKey: keys.privateKey,
      },
      oauthApp: {
        clientId: 'cid',
        clientSecret: 'csecret',
        callbackUrl: 'http://127.0.0.1:7007/api/auth/github/handler/frame',
      },
      users: [{ login: 'ana' }],
      members: ['ana'],
    });
  });

  afterAll(() => github.stop());

  const now = () => Math.floor(Date.now() / 1000);
  const getApp = (authorization: string) =>
    fetch(`${github.baseUrl}/api/v3/app`, { headers: { authorization } });

  it("gives Backstage's GitHub App client an installation token for the organization, which the API accepts", async () => {
    const provider = SingleInstanceGithubCredentialsProvider.create({
      host: new URL(github.baseUrl).host,
      apiBaseUrl: `${github.baseUrl}/api/v3`,
      apps: [
        {
          appId: APP_ID,
          clientId: 'Iv23liFakeApp',
          clientSecret: 'app-client-secret',
          privateKey: github.presetsEnv.GITHUB_APP_PRIVATE_KEY,
        },
      ],
    });
    const credentials = await provider.getCredentials({
      url: `${github.baseUrl}/acme`,
    });
    expect(credentials.type).toBe('app');
    const [issued] = github.installationTokens();
    expect(credentials.token).toBe(issued.token);
    expect(issued.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(issued.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3500_000);

    const answer = await fetch(`${github.baseUrl}/api/graphql`, {
      method: 'POST',
      headers: { authorization: `bearer ${credentials.token}` },
      body: JSON.stringify({
        query: '{ organization(login: "acme") { login } }',
      }),
    });
    expect(await answer.json()).toEqual({
      data: { organization: { login: 'acme' } },
    });
    expect(
      github.requests().map(r => `${r.method} ${r.path} ${r.credential}`),
    ).toEqual([
      'GET /api/v3/app/installations app-jwt',
      `POST /api/v3/app/installations/${issued.installationId}/access_tokens app-jwt`,
      'POST /api/graphql installation',
    ]);
    expect(github.presetsEnv).not.toHaveProperty('GITHUB_PAT');
  });

  it('creates an organization repository and takes a Git push with an installation token, as publish:github does', async () => {
    const [{ token }] = github.installationTokens();
    const created = await fetch(`${github.baseUrl}/api/v3/orgs/acme/repos`, {
      method: 'POST',
      headers: { authorization: `token ${token}` },
      body: JSON.stringify({ name: 'new-service', private: true }),
    });
    expect(created.status).toBe(201);
    const repo = await created.json();
    expect(repo.clone_url).toBe(`${github.baseUrl}/acme/new-service.git`);

    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-github-push-'));
    // Asynchronously: the fake answers in this very process.
    const git = (...args: string[]) =>
      promisify(execFile)('git', ['-C', work, ...args], {
        env: { PATH: process.env.PATH, GIT_TERMINAL_PROMPT: '0', HOME: work },
      });
    try {
      await git('init', '--quiet', '--initial-branch=main');
      fs.writeFileSync(path.join(work, 'README.md'), '# new-service\n');
      await git('add', '.');
      await git(
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@x',
        'commit',
        '-qm',
        'initial commit',
      );
      const remote = new URL(repo.clone_url);
      await expect(
        git('push', '--quiet', remote.toString(), 'main'),
      ).rejects.toThrow(/Authentication failed|could not read Username/);
      remote.username = 'x-access-token';
      remote.password = token;
      await git('push', '--quiet', remote.toString(), 'main');
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    const readme = await fetch(
      `${github.baseUrl}/api/v3/repos/acme/new-service/contents/README.md`,
      {
        headers: {
          authorization: `token ${token}`,
          accept: 'application/vnd.github.raw',
        },
      },
    );
    expect(await readme.text()).toBe('# new-service\n');
    const pushes = github
      .requests()
      .filter(r => r.path === '/acme/new-service.git/git-receive-pack');
    expect(pushes.map(r => `${r.status} ${r.credential}`)).toEqual([
      '200 installation',
    ]);
  });

  it('answers GET /app to the JWT of the App', async () => {
    const answer = await getApp(
      `Bearer ${jwt(keys.key, {
        iss: APP_ID,
        iat: now() - 30,
        exp: now() + 540,
      })}`,
    );
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      id: APP_ID,
      slug: 'backstage',
      owner: { login: 'acme', type: 'Organization' },
    });
  });

  it('refuses a JWT signed with another key, for another App, expired or living over 10 minutes', async () => {
    const other = githubAppKeyPair();
    const refusals = [
      [
        jwt(other.key, { iss: APP_ID, iat: now(), exp: now() + 60 }),
        /signature/,
      ],
      [
        jwt(keys.key, { iss: 1, iat: now(), exp: now() + 60 }),
        /'Issuer' claim/,
      ],
      [
        jwt(keys.key, { iss: APP_ID, iat: now() - 700, exp: now() - 100 }),
        /'Expiration time' claim \('exp'\) must be/,
      ],
      [
        jwt(keys.key, { iss: APP_ID, iat: now(), exp: now() + 900 }),
        /too far in the future/,
      ],
      ['not.a-jwt', /could not be decoded/],
    ] as const;
    for (const [token, message] of refusals) {
      const answer = await getApp(`Bearer ${token}`);
      expect(answer.status).toBe(401);
      expect((await answer.json()).message).toMatch(message);
    }
  });

  it('takes no PAT, and no installation token on the App routes', async () => {
    const pat = await fetch(`${github.baseUrl}/api/v3/users/ana`, {
      headers: { authorization: 'token ghp_anyPatAtAll0123456789' },
    });
    expect(pat.status).toBe(401);
    expect((await pat.json()).message).toBe('Bad credentials');
    expect(github.requests().at(-1)?.credential).toBe('invalid');

    const [issued] = github.installationTokens();
    const withToken = await getApp(`token ${issued.token}`);
    expect(withToken.status).toBe(401);
    expect(github.unhandledRequests()).toEqual([]);
  });
});
