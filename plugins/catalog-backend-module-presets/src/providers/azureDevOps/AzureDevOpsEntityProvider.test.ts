import http from 'http';
import { AddressInfo } from 'net';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader, JsonObject } from '@backstage/config';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { AzureDevOpsEntityProvider } from './AzureDevOpsEntityProvider';
import { AzureDevOpsResponseError } from '@devportal/plugin-presets-sources-node';

const PAT = 'ado-pat-unit-0123456789';
const BASIC = `Basic ${Buffer.from(`:${PAT}`).toString('base64')}`;

/** A code search request as the server saw it, with the origin that was dialled. */
interface SeenRequest {
  url: string;
  method: string;
  authorization?: string;
  contentType?: string;
  body: {
    searchText: string;
    $skip: number;
    $top: number;
    $orderBy?: unknown;
    filters?: unknown;
  };
}

type Answer = {
  status: number;
  headers?: Record<string, string>;
  body: string;
};

/**
 * A loopback server answering code search from a list of found files, in
 * pages of the size asked for, as Azure DevOps does; `override` replaces the
 * answer to the n-th request (0-based).
 */
async function startCodeSearch(options: {
  found: Array<{ project: string; repository: string; path: string }>;
  override?: (index: number) => Answer | undefined;
}) {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      const index = seen.length;
      seen.push({
        url: String(req.headers['x-dialled-url']),
        method: req.method!,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: JSON.parse(raw),
      });
      const answer = options.override?.(index) ?? page(seen[index].body);
      res.writeHead(answer.status, {
        'Content-Type': 'application/json; charset=utf-8',
        ...answer.headers,
      });
      res.end(answer.body);
    });
  });
  function page({ $skip, $top }: SeenRequest['body']): Answer {
    const results = options.found.slice($skip, $skip + $top).map(f => ({
      fileName: f.path.split('/').pop(),
      path: f.path,
      matches: {},
      collection: { name: 'acme' },
      project: { name: f.project, id: `id-${f.project}` },
      repository: { name: f.repository, id: `id-${f.repository}`, type: 'git' },
      versions: [{ branchName: 'main', changeId: 'a'.repeat(40) }],
      contentId: 'c'.repeat(40),
    }));
    return {
      status: 200,
      body: JSON.stringify({ count: options.found.length, results }),
    };
  }
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /**
   * Sends the provider's https requests to this server unchanged but for
   * the origin, which travels in a header so that tests see where the
   * provider meant to go.
   */
  const routedFetch: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    return fetch(`${base}${url.pathname}${url.search}`, {
      ...init,
      headers: { ...(init?.headers as object), 'x-dialled-url': url.href },
    });
  };
  return {
    seen,
    fetch: routedFetch,
    stop: () => new Promise<void>(r => server.close(() => r())),
  };
}

function recordingConnection() {
  const applied: EntityProviderMutation[] = [];
  const connection: EntityProviderConnection = {
    applyMutation: async m => void applied.push(m),
    refresh: async () => {},
  };
  return { applied, connection };
}

function config(block: JsonObject, host = 'dev.azure.com') {
  return new ConfigReader({
    integrations: {
      azure: [{ host, credentials: [{ personalAccessToken: PAT }] }],
    },
    catalog: { providers: { azureDevOps: { default: block } } },
  });
}

function targetsOf(mutation: EntityProviderMutation) {
  if (mutation.type !== 'full') {
    throw new Error('expected a full mutation');
  }
  return mutation.entities.map(e => ({
    locationKey: e.locationKey,
    kind: e.entity.kind,
    target: e.entity.spec?.target,
    type: e.entity.spec?.type,
  }));
}

describe('AzureDevOpsEntityProvider', () => {
  const logger = mockServices.logger.mock();
  let search: Awaited<ReturnType<typeof startCodeSearch>> | undefined;

  afterEach(async () => {
    await search?.stop();
    search = undefined;
  });

  async function connectedProvider(
    configRoot: ConfigReader,
    found: Parameters<typeof startCodeSearch>[0]['found'],
    override?: (index: number) => Answer | undefined,
  ) {
    search = await startCodeSearch({ found, override });
    const [provider] = AzureDevOpsEntityProvider.fromConfig(configRoot, {
      logger,
      fetch: search.fetch,
    });
    const { applied, connection } = recordingConnection();
    await provider.connect(connection);
    return { provider, applied, seen: search.seen };
  }

  it('searches Azure DevOps Services page by page and applies one Location per file', async () => {
    // More files than two pages of 1000, and one repository found twice.
    const found = Array.from({ length: 2500 }, (_, i) => ({
      project: 'shop',
      repository: `repo-${String(i).padStart(4, '0')}`,
      path: '/catalog-info.yaml',
    }));
    found.push({ ...found[0] });
    const { provider, applied, seen } = await connectedProvider(
      config({ organization: 'acme', project: 'shop' }),
      found,
    );

    await provider.refresh(logger);

    expect(provider.getProviderName()).toBe(
      'AzureDevOpsEntityProvider:default',
    );
    expect(seen.map(s => s.body.$skip)).toEqual([0, 1000, 2000]);
    for (const request of seen) {
      expect(request).toMatchObject({
        url: 'https://almsearch.dev.azure.com/acme/shop/_apis/search/codesearchresults?api-version=6.0-preview.1',
        method: 'POST',
        authorization: BASIC,
        contentType: 'application/json',
        body: {
          searchText: 'path:/catalog-info.yaml repo:* proj:shop',
          $top: 1000,
          $orderBy: [{ field: 'path', sortOrder: 'ASC' }],
        },
      });
      expect(request.body.filters).toBeUndefined();
    }
    expect(applied).toHaveLength(1);
    const targets = targetsOf(applied[0]);
    expect(targets).toHaveLength(2500);
    expect(targets[0]).toEqual({
      locationKey: 'AzureDevOpsEntityProvider:default',
      kind: 'Location',
      type: 'url',
      target:
        'https://dev.azure.com/acme/shop/_git/repo-0000?path=/catalog-info.yaml',
    });
  });

  it('searches an Azure DevOps Server on its own host, on the configured branch', async () => {
    const { provider, applied, seen } = await connectedProvider(
      config(
        {
          host: 'ado.acme.example:8443',
          organization: 'DefaultCollection',
          project: 'Platform Tools',
          repository: 'service-*',
          branch: 'release',
          path: '/catalog/all.yaml',
        },
        'ado.acme.example:8443',
      ),
      [
        {
          project: 'Platform Tools',
          repository: 'service-a',
          path: '/catalog/all.yaml',
        },
      ],
    );

    await provider.refresh(logger);

    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      url: 'https://ado.acme.example:8443/DefaultCollection/Platform%20Tools/_apis/search/codesearchresults?api-version=6.0-preview.1',
      authorization: BASIC,
      body: {
        searchText:
          'path:/catalog/all.yaml repo:service-* proj:"Platform Tools"',
        $skip: 0,
        filters: { Branch: ['release'] },
      },
    });
    expect(targetsOf(applied[0]).map(t => t.target)).toEqual([
      'https://ado.acme.example:8443/DefaultCollection/Platform%20Tools/_git/service-a?path=/catalog/all.yaml&version=GBrelease',
    ]);
  });

  it('applies an empty set when nothing is found, so removed repositories go', async () => {
    const { provider, applied } = await connectedProvider(
      config({ organization: 'acme', project: 'shop' }),
      [],
    );
    await provider.refresh(logger);
    expect(applied).toEqual([{ type: 'full', entities: [] }]);
  });

  it('throws the status and headers of a rate limit on any page, having applied nothing', async () => {
    const found = Array.from({ length: 1500 }, (_, i) => ({
      project: 'shop',
      repository: `repo-${i}`,
      path: '/catalog-info.yaml',
    }));
    const { provider, applied } = await connectedProvider(
      config({ organization: 'acme', project: 'shop' }),
      found,
      index =>
        index === 1
          ? {
              status: 429,
              headers: {
                'Retry-After': '30',
                'X-RateLimit-Resource': 'ATCPU',
                'X-RateLimit-Limit': '200',
                'X-RateLimit-Remaining': '0',
                'X-RateLimit-Reset': '1767225600',
              },
              body: JSON.stringify({
                $id: '1',
                message:
                  'Request was blocked due to exceeding usage of resource ATCPU',
                typeKey: 'RequestBlockedException',
              }),
            }
          : undefined,
    );

    const error = await provider.refresh(logger).then(
      () => undefined,
      e => e,
    );

    expect(error).toBeInstanceOf(AzureDevOpsResponseError);
    expect(error.status).toBe(429);
    expect(error.headers).toMatchObject({
      'retry-after': '30',
      'x-ratelimit-reset': '1767225600',
    });
    expect(error.response.status).toBe(429);
    expect(error.message).toBe(
      'Azure DevOps answered HTTP 429 Too Many Requests to POST https://almsearch.dev.azure.com/acme/shop/_apis/search/codesearchresults?api-version=6.0-preview.1: Request was blocked due to exceeding usage of resource ATCPU',
    );
    expect(applied).toEqual([]);
  });

  it("takes Azure DevOps's 203 sign-in page for the failure it is", async () => {
    const { provider, applied } = await connectedProvider(
      config({ organization: 'acme', project: 'shop' }),
      [],
      () => ({ status: 203, body: '<html>Sign in to your account</html>' }),
    );
    await expect(provider.refresh(logger)).rejects.toMatchObject({
      name: 'AzureDevOpsResponseError',
      status: 203,
    });
    expect(applied).toEqual([]);
  });

  it('refuses a search that ends short of the count it reported', async () => {
    const { provider, applied } = await connectedProvider(
      config({ organization: 'acme', project: 'shop' }),
      [],
      () => ({ status: 200, body: JSON.stringify({ count: 3, results: [] }) }),
    );
    await expect(provider.refresh(logger)).rejects.toThrow(
      /reported 3 results but returned only 0/,
    );
    expect(applied).toEqual([]);
  });

  it('refuses to run before the catalog connected it', async () => {
    const [provider] = AzureDevOpsEntityProvider.fromConfig(
      config({ organization: 'acme', project: 'shop' }),
      { logger },
    );
    await expect(provider.refresh(logger)).rejects.toThrow(
      'AzureDevOpsEntityProvider:default is not connected to the catalog yet',
    );
  });

  it('refuses a host that has no Azure integration, saying what to add', () => {
    expect(() =>
      AzureDevOpsEntityProvider.fromConfig(
        config({
          host: 'ado.acme.example',
          organization: 'acme',
          project: 'shop',
        }),
        { logger },
      ),
    ).toThrow(
      'There is no Azure integration for host ado.acme.example, which catalog.providers.azureDevOps.default reads from. Please add an entry with that host under integrations.azure',
    );
  });
});
