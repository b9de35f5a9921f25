/*
 * Proves the fake Azure DevOps speaks the protocol the process-level test
 * relies on: Azure DevOps's answers to anonymous and wrong credentials, code
 * search scoping and paging, the Git items API in the forms the catalog's
 * Azure UrlReader asks for, and its failure and rate-limit answers.
 */
import https from 'https';
import { IncomingHttpHeaders } from 'http';
import {
  issueLoopbackCertificate,
  LoopbackCertificate,
} from '../../daemons/tls';
import { FakeAzureDevOps, startFakeAzureDevOps } from './index';

const PAT = 'fake-ado-self-test-pat';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = { Authorization: basic('', PAT) };

/** A code search result, as far as these tests read it. */
interface SearchResult {
  path: string;
  repository: { name: string };
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

describe('fake Azure DevOps', () => {
  let tls: LoopbackCertificate;
  let fake: FakeAzureDevOps;

  /** One HTTPS request that trusts the test CA only. */
  function call(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<Answer> {
    const body =
      options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${fake.baseUrl}${path}`,
        {
          method,
          ca: tls.caPem,
          headers: {
            ...(body ? { 'Content-Type': 'application/json' } : {}),
            ...options.headers,
          },
        },
        res => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', c => (text += c));
          res.on('end', () =>
            resolve({ status: res.statusCode!, headers: res.headers, text }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const search = (body: unknown, project = 'shop') =>
    call(
      'POST',
      `/acme/${project}/_apis/search/codesearchresults?api-version=7.1`,
      { headers: AUTH, body },
    );

  beforeAll(async () => {
    tls = await issueLoopbackCertificate();
    fake = await startFakeAzureDevOps({
      organization: 'acme',
      personalAccessToken: PAT,
      tls,
      projects: [
        {
          name: 'shop',
          repositories: [
            ...Array.from({ length: 5 }, (_, i) => ({
              name: `service-${i}`,
              files: { '/catalog-info.yaml': `name: service-${i}\n` },
            })),
            {
              name: 'web',
              defaultBranch: 'trunk',
              files: { '/src/catalog-info.yaml': 'nested\n' },
              branches: { release: { '/catalog-info.yaml': 'on release\n' } },
            },
          ],
        },
        {
          name: 'internal',
          repositories: [
            { name: 'payroll', files: { '/catalog-info.yaml': 'x\n' } },
          ],
        },
      ],
    });
  });

  afterAll(async () => {
    await fake?.stop();
  });

  it('answers like Azure DevOps to anonymous and wrong credentials', async () => {
    const path = '/acme/shop/_apis/search/codesearchresults?api-version=7.1';
    const anonymous = await call('POST', path, { body: { searchText: 'x' } });
    expect(anonymous.status).toBe(203);
    expect(anonymous.text).toContain('Sign In');

    const suppressed = await call('POST', path, {
      headers: { 'X-TFS-FedAuthRedirect': 'Suppress' },
      body: { searchText: 'x' },
    });
    expect(suppressed.status).toBe(401);

    for (const authorization of [
      basic('', 'not-the-pat'),
      basic('someone', PAT),
      `Bearer ${PAT}`,
    ]) {
      const wrong = await call('POST', path, {
        headers: { Authorization: authorization },
        body: { searchText: 'x' },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toMatch(/Basic realm=/);
    }
    expect(fake.requests().map(r => r.auth)).toEqual([
      'none',
      'none',
      'wrong',
      'wrong',
      'wrong',
    ]);
  });

  it('searches one project, page by page, with the filters of the search text', async () => {
    const first = await search({
      searchText: 'path:/catalog-info.yaml repo:* proj:shop',
      $orderBy: [{ field: 'path', sortOrder: 'ASC' }],
      $skip: 0,
      $top: 3,
    });
    expect(first.status).toBe(200);
    const page1 = JSON.parse(first.text);
    expect(page1.count).toBe(5);
    expect(page1.results).toHaveLength(3);
    expect(page1.results[0]).toMatchObject({
      fileName: 'catalog-info.yaml',
      path: '/catalog-info.yaml',
      project: { name: 'shop' },
      repository: { name: 'service-0', type: 'git' },
      versions: [{ branchName: 'main' }],
    });
    const page2 = JSON.parse(
      (
        await search({
          searchText: 'path:/catalog-info.yaml repo:* proj:shop',
          $skip: 3,
          $top: 3,
        })
      ).text,
    );
    expect(page2.results.map((r: SearchResult) => r.repository.name)).toEqual([
      'service-3',
      'service-4',
    ]);

    const narrowed = JSON.parse(
      (await search({ searchText: 'path:/ repo:web', $top: 10 })).text,
    );
    expect(narrowed.results.map((r: SearchResult) => r.path)).toEqual([
      '/src/catalog-info.yaml',
    ]);
    const onRelease = JSON.parse(
      (
        await search({
          searchText: 'path:/catalog-info.yaml repo:web',
          filters: { Branch: ['release'] },
          $top: 10,
        })
      ).text,
    );
    expect(onRelease.results[0].versions[0].branchName).toBe('release');

    const tooMany = await search({ searchText: 'x', $top: 1001 });
    expect(tooMany.status).toBe(400);
  });

  it('serves a file through the Git items API, raw or as JSON, on a branch', async () => {
    const items = '/acme/shop/_apis/git/repositories/service-1/items';
    const raw = await call(
      'GET',
      `${items}?api-version=6.0&path=%2Fcatalog-info.yaml`,
      { headers: AUTH },
    );
    expect(raw).toMatchObject({ status: 200, text: 'name: service-1\n' });
    expect(raw.headers['content-type']).toBe('application/octet-stream');

    const metadata = await call(
      'GET',
      `${items}?api-version=6.0&path=/catalog-info.yaml&includeContent=true`,
      { headers: { ...AUTH, Accept: 'application/json' } },
    );
    expect(JSON.parse(metadata.text)).toMatchObject({
      gitObjectType: 'blob',
      path: '/catalog-info.yaml',
      content: 'name: service-1\n',
    });

    const web = '/acme/shop/_apis/git/repositories/web/items';
    const release = await call(
      'GET',
      `${web}?api-version=6.0&path=/catalog-info.yaml&version=release`,
      { headers: AUTH },
    );
    expect(release.text).toBe('on release\n');
    const missing = await call(
      'GET',
      `${web}?api-version=6.0&path=/catalog-info.yaml`,
      { headers: AUTH },
    );
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).typeKey).toBe('GitItemNotFoundException');

    const noVersion = await call('GET', `${items}?path=/catalog-info.yaml`, {
      headers: AUTH,
    });
    expect(noVersion.status).toBe(400);
  });

  it('answers 404 to what it does not serve, and lists it as unhandled', async () => {
    const before = fake.unhandled().length;
    const unknown = await call('GET', '/acme/_apis/projects?api-version=7.1', {
      headers: AUTH,
    });
    const otherOrg = await call(
      'GET',
      '/globex/shop/_apis/git/repositories/web/items?api-version=6.0&path=/x',
      { headers: AUTH },
    );
    expect([unknown.status, otherOrg.status]).toEqual([404, 404]);
    expect(
      fake
        .unhandled()
        .slice(before)
        .map(r => r.path),
    ).toEqual([
      '/acme/_apis/projects',
      '/globex/shop/_apis/git/repositories/web/items',
    ]);
  });

  it('fails with 500, and throttles with 429 and the rate-limit headers, until it recovers', async () => {
    const body = { searchText: 'path:/catalog-info.yaml', $top: 10 };
    fake.failWithServerError();
    expect((await search(body)).status).toBe(500);

    const { resetsAt } = fake.rateLimit({ retryAfterSeconds: 30 });
    const throttled = await search(body);
    expect(throttled.status).toBe(429);
    expect(throttled.headers).toMatchObject({
      'retry-after': '30',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(resetsAt.getTime() / 1000),
    });
    expect(JSON.parse(throttled.text).typeKey).toBe('RequestBlockedException');

    fake.recover();
    expect((await search(body)).status).toBe(200);
  });

  it('changes its repositories at run time', async () => {
    fake.removeRepository('shop', 'service-0');
    const after = JSON.parse(
      (await search({ searchText: 'path:/catalog-info.yaml', $top: 10 })).text,
    );
    expect(after.count).toBe(4);
    expect(() => fake.removeRepository('shop', 'service-0')).toThrow(
      'the fake has no repository shop/service-0',
    );
  });
});
