/*
 * The `azure` preset end to end: the backend started with the README's
 * command discovers catalog files with Azure DevOps code search, and the
 * catalog reads them through its Azure UrlReader, both from a fake Azure
 * DevOps Server on loopback HTTPS that the backend trusts through
 * NODE_EXTRA_CA_CERTS alone.
 */
import {
  BackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  catalogEntitiesOfKind,
  catalogSnapshot,
  componentCatalogFile,
  entityNames,
  externalAccessEnv,
  runProviderRefresh,
  waitForEntitiesOfKind,
} from '@devportal/test-utils/src/backend/catalogClient';
import { issueLoopbackCertificate } from '@devportal/test-utils/src/daemons/tls';
import {
  FakeAzureDevOps,
  FakeAzureDevOpsRepository,
  startFakeAzureDevOps,
} from '@devportal/test-utils/src/fakes/azure-devops';

jest.setTimeout(240_000);

const PAT = 'ado-pat-e2e-5Jq8vWn2Lr7Tz0Xc';
const ORG = 'acme';
const PROJECT = 'shop';
const PROVIDER = 'AzureDevOpsEntityProvider:default';

function service(name: string): FakeAzureDevOpsRepository {
  return {
    name,
    files: {
      '/catalog-info.yaml': componentCatalogFile(name, 'team-shop'),
      '/README.md': `# ${name}\n`,
    },
  };
}

const shopRepositories: FakeAzureDevOpsRepository[] = [
  service('billing'),
  service('checkout'),
  // No catalog file at the root: only a nested one, which discovery skips.
  {
    name: 'storefront-docs',
    files: {
      '/README.md': '# Docs\n',
      '/guides/catalog-info.yaml': componentCatalogFile(
        'storefront-guides',
        'team-shop',
      ),
    },
  },
];

/**
 * Triggers one discovery run and resolves with the line the catalog module
 * logged for its outcome (applied, failed or rate limited).
 */
const runDiscovery = (backend: BackendProcess) =>
  runProviderRefresh(backend, PROVIDER);

/**
 * The provider's Location entities and the Components they brought; their
 * uids show whether a run deleted and re-added them.
 */
const discoveredState = (backend: BackendProcess) =>
  catalogSnapshot(backend, ['location', 'component']);

describe('azure preset', () => {
  let azure: FakeAzureDevOps;
  let backend: BackendProcess;

  beforeAll(async () => {
    const tls = await issueLoopbackCertificate();
    azure = await startFakeAzureDevOps({
      organization: ORG,
      personalAccessToken: PAT,
      tls,
      projects: [
        { name: PROJECT, repositories: shopRepositories },
        // Another project of the organization: outside the configured one.
        { name: 'internal', repositories: [service('payroll')] },
      ],
    });
    backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'azure',
        AZURE_DEVOPS_TOKEN: PAT,
        AZURE_DEVOPS_HOST: azure.host,
        AZURE_DEVOPS_ORG: ORG,
        AZURE_DEVOPS_PROJECT: PROJECT,
        NODE_EXTRA_CA_CERTS: tls.caFile,
        ...externalAccessEnv(),
      },
    });
    await backend.waitForReady(120_000);
  });

  afterAll(async () => {
    await backend?.stop();
    await azure?.stop();
  });

  it('registers every repository of the project holding /catalog-info.yaml, and their Components', async () => {
    expect(await runDiscovery(backend)).toMatch(
      new RegExp(`^${PROVIDER}: applied 2 entities in \\d+ ms`),
    );

    const components = await waitForEntitiesOfKind(
      backend,
      'component',
      es => es.length >= 2,
    );
    expect(entityNames(components)).toEqual(['billing', 'checkout']);
    const locations = await catalogEntitiesOfKind(backend, 'location');
    expect(locations.map(l => l.spec?.target).sort()).toEqual([
      `${azure.baseUrl}/${ORG}/${PROJECT}/_git/billing?path=/catalog-info.yaml`,
      `${azure.baseUrl}/${ORG}/${PROJECT}/_git/checkout?path=/catalog-info.yaml`,
    ]);
    const billing = components.find(c => c.metadata.name === 'billing')!;
    expect(
      billing.metadata.annotations?.['backstage.io/managed-by-location'],
    ).toBe(
      `url:${azure.baseUrl}/${ORG}/${PROJECT}/_git/billing?path=/catalog-info.yaml`,
    );

    // Everything went through routes the fake knows, with the PAT: code
    // search scoped to the project, and the Git items API for each file.
    expect(azure.unhandled()).toEqual([]);
    const requests = azure.requests();
    expect(requests.every(r => r.auth === 'pat')).toBe(true);
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        path: `/${ORG}/${PROJECT}/_apis/search/codesearchresults`,
        status: 200,
      }),
    );
    for (const repo of ['billing', 'checkout']) {
      expect(requests).toContainEqual(
        expect.objectContaining({
          method: 'GET',
          path: `/${ORG}/${PROJECT}/_apis/git/repositories/${repo}/items`,
          query: { 'api-version': '6.0', path: '/catalog-info.yaml' },
          status: 200,
        }),
      );
    }
  });

  it('drops a removed repository at the next run, and keeps the catalog as it was through a 500 and a 429', async () => {
    azure.removeRepository(PROJECT, 'billing');
    expect(await runDiscovery(backend)).toMatch(
      new RegExp(`^${PROVIDER}: applied 1 entities in \\d+ ms`),
    );
    const components = await waitForEntitiesOfKind(
      backend,
      'component',
      es => es.length === 1,
    );
    expect(entityNames(components)).toEqual(['checkout']);
    expect(
      (await catalogEntitiesOfKind(backend, 'location')).map(
        l => l.spec?.target,
      ),
    ).toEqual([
      `${azure.baseUrl}/${ORG}/${PROJECT}/_git/checkout?path=/catalog-info.yaml`,
    ]);
    const before = await discoveredState(backend);

    // Were a failed run applied as an empty result, checkout would go too.
    azure.setRepositories(PROJECT, []);
    azure.failWithServerError();
    const failed = await runDiscovery(backend);
    expect(failed).toMatch(
      new RegExp(`^${PROVIDER}: sync failed after \\d+ ms, nothing applied`),
    );
    expect(failed).toContain('HTTP 500');
    expect(await discoveredState(backend)).toEqual(before);

    const { resetsAt } = azure.rateLimit({ retryAfterSeconds: 120 });
    expect(await runDiscovery(backend)).toContain(
      `${PROVIDER}: rate limited (HTTP 429), limit resets at ${resetsAt.toISOString()}; nothing applied, the next scheduled run retries`,
    );
    expect(await discoveredState(backend)).toEqual(before);

    azure.recover();
    expect(azure.unhandled()).toEqual([]);
  });

  it('never prints the PAT', () => {
    expect(backend.output()).not.toContain(PAT);
    expect(backend.output()).not.toContain(
      Buffer.from(`:${PAT}`).toString('base64'),
    );
  });
});
