/*
 * The fake GitHub's own answers to what the e2e test never provokes:
 * refused credentials, queries the real API would reject, GitHub's paging
 * rules, the token endpoint's formats and errors, and the failure controls.
 * No backend here: plain requests, so this runs in a second.
 */
import { FakeGithub, startFakeGithub } from '.';

const PAT = 'ghp_selftest0123456789';
const CALLBACK = 'http://127.0.0.1:7007/api/auth/github/handler/frame';

describe('fake GitHub', () => {
  let github: FakeGithub;

  beforeAll(async () => {
    github = await startFakeGithub({
      org: 'acme',
      otherOrgs: ['globex'],
      pat: PAT,
      oauthApp: {
        clientId: 'cid',
        clientSecret: 'csecret',
        callbackUrl: CALLBACK,
      },
      users: ['ana', 'bruno', 'carla'].map(login => ({
        login,
        password: `${login}-pw`,
      })),
      members: ['ana', 'bruno', 'carla'],
    });
  });

  afterAll(() => github.stop());

  function graphql(body: unknown, token = PAT) {
    return fetch(`${github.baseUrl}/api/graphql`, {
      method: 'POST',
      headers: { authorization: `bearer ${token}` },
      body: JSON.stringify(body),
    });
  }

  it('refuses API calls without a valid token, as GitHub does', async () => {
    const anonymous = await fetch(`${github.baseUrl}/api/v3/user`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      message: 'Requires authentication',
    });
    const wrong = await graphql({ query: '{ viewer { login } }' }, 'nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ message: 'Bad credentials' });
  });

  it('serves further organizations empty, lists them in GITHUB_ORG and records what each query asked about', async () => {
    expect(github.presetsEnv.GITHUB_ORG).toBe('acme,globex');
    const query = `query($org: String!) { organization(login: $org) {
      login membersWithRole(first: 10) { nodes { login } }
      teams(first: 10) { nodes { slug } } repositories(first: 10) { nodes { name } } } }`;
    const globex = await (
      await graphql({ query, variables: { org: 'globex' } })
    ).json();
    expect(globex.data.organization).toEqual({
      login: 'globex',
      membersWithRole: { nodes: [] },
      teams: { nodes: [] },
      repositories: { nodes: [] },
    });
    const acme = await (
      await graphql({ query, variables: { org: 'acme' } })
    ).json();
    expect(acme.data.organization.membersWithRole.nodes).toHaveLength(3);
    expect(
      github
        .requests()
        .filter(r => r.graphql)
        .slice(-2)
        .map(r => r.graphql!.variables),
    ).toEqual([{ org: 'globex' }, { org: 'acme' }]);
  });

  it('pages members with opaque cursors and requires `first`', async () => {
    const query = `query($cursor: String) { organization(login: "acme") {
      membersWithRole(first: 2, after: $cursor) { pageInfo { hasNextPage endCursor } nodes { login } } } }`;
    const page1 = await (await graphql({ query })).json();
    const members1 = page1.data.organization.membersWithRole;
    expect(members1.nodes).toEqual([{ login: 'ana' }, { login: 'bruno' }]);
    expect(members1.pageInfo.hasNextPage).toBe(true);
    const page2 = await (
      await graphql({
        query,
        variables: { cursor: members1.pageInfo.endCursor },
      })
    ).json();
    expect(page2.data.organization.membersWithRole).toEqual({
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
      nodes: [{ login: 'carla' }],
    });

    const unbounded = await (
      await graphql({
        query:
          '{ organization(login: "acme") { membersWithRole { nodes { login } } } }',
      })
    ).json();
    expect(unbounded.errors[0].message).toMatch(
      /must provide a `first` or `last` value/,
    );
  });

  it('rejects a query asking for what GitHub does not have, before running it', async () => {
    const response = await graphql({
      query: '{ organization(login: "acme") { login members { totalCount } } }',
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.data).toBeUndefined();
    expect(body.errors[0]).toMatchObject({
      message: "Field 'members' doesn't exist on type 'Organization'",
      extensions: { code: 'undefinedField' },
    });
    const unknownOrg = await (
      await graphql({ query: '{ organization(login: "nope") { login } }' })
    ).json();
    expect(unknownOrg).toMatchObject({
      data: { organization: null },
      errors: [{ type: 'NOT_FOUND' }],
    });
  });

  it('checks client and redirect_uri on authorize, and sends strangers to the sign-in form', async () => {
    const authorize = (params: Record<string, string>) =>
      fetch(
        `${github.baseUrl}/login/oauth/authorize?${new URLSearchParams(
          params,
        )}`,
        { redirect: 'manual' },
      );
    expect((await authorize({ client_id: 'other' })).status).toBe(404);
    const mismatch = await authorize({
      client_id: 'cid',
      redirect_uri: 'http://127.0.0.1:7007/elsewhere',
    });
    expect(await mismatch.text()).toMatch(
      /redirect_uri.*is not associated with this application/,
    );
    const toLogin = await authorize({ client_id: 'cid', state: 's' });
    expect(toLogin.status).toBe(302);
    expect(toLogin.headers.get('location')).toMatch(
      /^\/login\?client_id=cid&return_to=/,
    );
  });

  it('answers the token endpoint by Accept, with errors in a 200 body', async () => {
    const exchange = (accept: string) =>
      fetch(`${github.baseUrl}/login/oauth/access_token`, {
        method: 'POST',
        headers: {
          accept,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          client_id: 'cid',
          client_secret: 'csecret',
          code: 'never-issued',
        }).toString(),
      });
    const form = await exchange('*/*');
    expect(form.status).toBe(200);
    expect(
      Object.fromEntries(new URLSearchParams(await form.text())),
    ).toMatchObject({
      error: 'bad_verification_code',
    });
    const json = await exchange('application/json');
    expect(await json.json()).toMatchObject({ error: 'bad_verification_code' });
  });

  it('fails API calls with GitHub rate-limit headers until healed', async () => {
    const resetAt = new Date(Date.now() + 60_000);
    github.failApi({ kind: 'rateLimit', status: 403, resetAt });
    const limited = await fetch(`${github.baseUrl}/api/v3/user`, {
      headers: { authorization: `token ${PAT}` },
    });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(
      String(Math.floor(resetAt.getTime() / 1000)),
    );
    expect((await limited.json()).message).toMatch(/^API rate limit exceeded/);

    github.failApi({
      kind: 'secondaryRateLimit',
      status: 429,
      retryAfterSeconds: 30,
    });
    const secondary = await graphql({
      query: '{ organization(login: "acme") { login } }',
    });
    expect(secondary.status).toBe(429);
    expect(secondary.headers.get('retry-after')).toBe('30');

    github.failApi(undefined);
    const healed = await graphql({
      query: '{ organization(login: "acme") { login } }',
    });
    expect(await healed.json()).toEqual({
      data: { organization: { login: 'acme' } },
    });
    expect(github.unhandledRequests()).toEqual([]);
  });
});
