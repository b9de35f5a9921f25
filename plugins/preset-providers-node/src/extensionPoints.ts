import {
  LoggerService,
  RootConfigService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
  createExtensionPoint,
} from '@backstage/backend-plugin-api';
import { AuthProviderFactory } from '@backstage/plugin-auth-node';
import { EntityProvider } from '@backstage/plugin-catalog-node';
import { PresetProviderInfo } from './wiring/ProviderRegistry';

/**
 * How an auth provider is activated: an identity preset whose `appConfig`
 * configures `auth.providers.<providerId>` gets this factory registered.
 *
 * @public
 */
export interface IdentityAuthProvider extends PresetProviderInfo {
  /** The key under `auth.providers`, e.g. `oidc`; also the route `/api/auth/<providerId>`. */
  providerId: string;
  factory: AuthProviderFactory;
  /**
   * Keys that must be set under `auth.providers.<providerId>.<auth.environment>`
   * for the provider to work, e.g. `clientId`. Missing ones refuse the boot.
   */
  requiredConfig?: string[];
}

/**
 * Lets backend modules of the auth plugin add auth providers that identity
 * presets can activate, next to the built-in ones.
 *
 * @public
 */
export interface IdentityAuthProvidersExtensionPoint {
  addProvider(provider: IdentityAuthProvider): void;
}

/** @public */
export const identityAuthProvidersExtensionPoint =
  createExtensionPoint<IdentityAuthProvidersExtensionPoint>({
    id: 'devportal.identity-presets.auth-providers',
  });

/** What a catalog provider needs to build its entity providers. @public */
export interface PresetCatalogProviderContext {
  config: RootConfigService;
  logger: LoggerService;
  scheduler: SchedulerService;
}

/**
 * One entity source built from config: an entity provider that does
 * nothing on its own (manual schedule), and the function that runs one
 * sync. The catalog module schedules `refresh` and guards what it applies.
 *
 * @public
 */
export interface PresetCatalogSource {
  /** `<Kind>:<id>`, the entity provider's name. */
  name: string;
  /**
   * `org`: users and groups (org sync); `discovery`: locations of catalog
   * files found in an SCM. Decides what a run reports and what the guard
   * against a suddenly empty answer counts.
   */
  kind: 'org' | 'discovery';
  provider: EntityProvider;
  /** Runs one sync; throws when the source fails. */
  refresh(logger: LoggerService): Promise<void>;
  /** From the provider's `schedule` config, or a default. */
  schedule: SchedulerServiceTaskScheduleDefinition;
}

/**
 * How a catalog provider is activated: a selected preset whose `appConfig`
 * configures `catalog.providers.<configKey>` gets its sources scheduled;
 * org sync for identity presets, repository discovery for SCM presets.
 *
 * @public
 */
export interface PresetCatalogProvider extends PresetProviderInfo {
  /** The key under `catalog.providers`, e.g. `ldapOrg`. */
  configKey: string;
  /** Builds the sources from `catalog.providers.<configKey>`. */
  createSources(
    context: PresetCatalogProviderContext,
  ): Promise<PresetCatalogSource[]>;
}

/**
 * Lets backend modules of the catalog plugin add catalog providers that
 * presets can activate, next to the built-in ones.
 *
 * @public
 */
export interface PresetCatalogProvidersExtensionPoint {
  addProvider(provider: PresetCatalogProvider): void;
}

/** @public */
export const presetCatalogProvidersExtensionPoint =
  createExtensionPoint<PresetCatalogProvidersExtensionPoint>({
    id: 'devportal.presets.catalog-providers',
  });
