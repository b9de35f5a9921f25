import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  AzureDevOpsCredentialsProvider,
  DefaultAzureDevOpsCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import {
  EntityProvider,
  EntityProviderConnection,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';
import {
  AzureDevOpsConfig,
  CodeSearchResult,
  readAzureDevOpsConfigs,
  searchCatalogFiles,
} from '@devportal/plugin-presets-sources-node';

/**
 * The URL of a found file, in the form the catalog's Azure UrlReader reads
 * (`/{org}/{project}/_git/{repo}?path=...`). It is exactly the form
 * upstream's Azure module writes, so a portal moving from it keeps the
 * same Location entities instead of getting conflicting duplicates.
 */
function locationTarget(
  source: AzureDevOpsConfig,
  file: CodeSearchResult,
): string {
  const version = source.branch ? `&version=GB${source.branch}` : '';
  return encodeURI(
    `https://${source.host}/${source.organization}/${file.project.name}/_git/${file.repository.name}?path=${file.path}${version}`,
  );
}

/**
 * Discovers catalog files in the repositories of one Azure DevOps project
 * with Azure DevOps code search, and keeps one Location entity per file in
 * the catalog. Configured under `catalog.providers.azureDevOps.<id>` with
 * the keys of upstream's `@backstage/plugin-catalog-backend-module-azure`.
 *
 * It schedules nothing itself: whoever registers it calls {@link
 * AzureDevOpsEntityProvider.refresh} on a schedule.
 *
 * @public
 */
export class AzureDevOpsEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;

  /**
   * One provider per block under `catalog.providers.azureDevOps`, with the
   * credentials of the matching `integrations.azure` entry.
   */
  static fromConfig(
    config: Config,
    options: {
      logger: LoggerService;
      /** Defaults to the global `fetch`; for a proxy, or a test server. */
      fetch?: typeof fetch;
    },
  ): AzureDevOpsEntityProvider[] {
    const integrations = ScmIntegrations.fromConfig(config);
    const credentials =
      DefaultAzureDevOpsCredentialsProvider.fromIntegrations(integrations);
    return readAzureDevOpsConfigs(config).map(source => {
      if (!integrations.azure.byHost(source.host)) {
        throw new InputError(
          `There is no Azure integration for host ${source.host}, which catalog.providers.azureDevOps.${source.id} reads from. Please add an entry with that host under integrations.azure`,
        );
      }
      return new AzureDevOpsEntityProvider(
        source,
        credentials,
        options.fetch ?? fetch,
        options.logger,
      );
    });
  }

  private constructor(
    private readonly source: AzureDevOpsConfig,
    private readonly credentials: AzureDevOpsCredentialsProvider,
    private readonly fetchFn: typeof fetch,
    private readonly logger: LoggerService,
  ) {}

  /** `AzureDevOpsEntityProvider:<id>` */
  getProviderName(): string {
    return `AzureDevOpsEntityProvider:${this.source.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
  }

  /**
   * Runs one discovery and replaces this provider's Location entities with
   * what it found. Throws, having applied nothing, when any search page
   * fails (an `AzureDevOpsResponseError` for an HTTP answer).
   */
  async refresh(logger: LoggerService = this.logger): Promise<void> {
    if (!this.connection) {
      throw new Error(
        `${this.getProviderName()} is not connected to the catalog yet`,
      );
    }
    const { host, organization } = this.source;
    const credentials = await this.credentials.getCredentials({
      url: `https://${host}/${organization}`,
    });
    const files = await searchCatalogFiles({
      source: this.source,
      headers: credentials?.headers ?? {},
      fetch: this.fetchFn,
    });
    const targets = [
      ...new Set(files.map(file => locationTarget(this.source, file))),
    ];
    await this.connection.applyMutation({
      type: 'full',
      entities: targets.map(target => ({
        locationKey: this.getProviderName(),
        entity: locationSpecToLocationEntity({
          location: { type: 'url', target, presence: 'required' },
        }),
      })),
    });
    logger.info(
      `${this.getProviderName()}: found ${targets.length} ${
        this.source.path
      } files in project ${this.source.project} of ${host}/${organization}`,
    );
  }
}
