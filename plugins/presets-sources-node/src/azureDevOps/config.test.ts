import { ConfigReader, JsonObject } from '@backstage/config';
import { readAzureDevOpsConfigs } from './config';

function configWith(azureDevOps: JsonObject) {
  return new ConfigReader({ catalog: { providers: { azureDevOps } } });
}

describe('readAzureDevOpsConfigs', () => {
  it('reads nothing when the key is absent', () => {
    expect(readAzureDevOpsConfigs(new ConfigReader({}))).toEqual([]);
  });

  it("applies upstream's defaults", () => {
    expect(
      readAzureDevOpsConfigs(
        configWith({ default: { organization: 'acme', project: 'shop' } }),
      ),
    ).toEqual([
      {
        id: 'default',
        host: 'dev.azure.com',
        organization: 'acme',
        project: 'shop',
        repository: '*',
        branch: undefined,
        path: '/catalog-info.yaml',
      },
    ]);
  });

  it('reads every block with all its keys, ignoring the schedule', () => {
    // Every key set, none to its default, so each must be read to come back.
    const onPrem = {
      host: 'ado.acme.example:8443',
      organization: 'DefaultCollection',
      project: 'Platform Tools',
      repository: 'service-*',
      branch: 'release',
      path: '/catalog/all.yaml',
    };
    const configs = readAzureDevOpsConfigs(
      configWith({
        default: { organization: 'acme', project: 'shop' },
        onPrem: {
          ...onPrem,
          schedule: { frequency: { minutes: 30 }, timeout: { minutes: 3 } },
        },
      }),
    );
    expect(configs.map(c => c.id)).toEqual(['default', 'onPrem']);
    expect(configs[1]).toEqual({ id: 'onPrem', ...onPrem });
  });

  it('names the missing key', () => {
    expect(() =>
      readAzureDevOpsConfigs(configWith({ default: { organization: 'acme' } })),
    ).toThrow(/catalog\.providers\.azureDevOps\.default\.project/);
  });

  it('refuses a path that is not rooted, saying how to write it', () => {
    expect(() =>
      readAzureDevOpsConfigs(
        configWith({
          default: {
            organization: 'acme',
            project: 'shop',
            path: 'catalog-info.yaml',
          },
        }),
      ),
    ).toThrow(
      "catalog.providers.azureDevOps.default.path must start with '/' (the repository root), got 'catalog-info.yaml'; write '/catalog-info.yaml'",
    );
  });
});
