import {
  LoggerService,
  RootConfigService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
  createExtensionPoint,
} from '@backstage/backend-plugin-api';
import { AuthProviderFactory } from '@backstage/plugin-auth-node';
import { EntityProvider } from '@backstage/plugin-catalog-node';

/**
 * How an auth provider is activated: an identity preset whose `appConfig`
 * configures `auth.providers.<providerId>` gets this factory registered.
 *
 * @public
 */
export interface IdentityAuthProvider {
  /** The key under `auth.providers`, e.g. `oidc`; also the route `/api/auth/<providerId>`. */
  providerId: string;
  /** A short human name for logs and errors, e.g. `Keycloak OIDC`. */
  title: string;
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

/** What an org-sync provider needs to build its entity providers. @public */
export interface IdentityOrgProviderContext {
  config: RootConfigService;
  logger: LoggerService;
  scheduler: SchedulerService;
}

/**
 * One org-sync source built from config: an entity provider that does
 * nothing on its own (manual schedule), and the function that runs one sync.
 * The identity module schedules `refresh` and guards what it applies.
 *
 * @public
 */
export interface IdentityOrgSource {
  /** `<Kind>:<id>`, the entity provider's name. */
  name: string;
  provider: EntityProvider;
  /** Runs one sync; throws when the source fails. */
  refresh(logger: LoggerService): Promise<void>;
  /** From the provider's `schedule` config, or a default. */
  schedule: SchedulerServiceTaskScheduleDefinition;
}

/**
 * How an org-sync provider is activated: an identity preset whose
 * `appConfig` configures `catalog.providers.<configKey>` gets its sources
 * scheduled.
 *
 * @public
 */
export interface IdentityOrgProvider {
  /** The key under `catalog.providers`, e.g. `ldapOrg`. */
  configKey: string;
  /** A short human name for logs and errors, e.g. `LDAP`. */
  title: string;
  /** Builds the sources from `catalog.providers.<configKey>`. */
  createSources(
    context: IdentityOrgProviderContext,
  ): Promise<IdentityOrgSource[]>;
}

/**
 * Lets backend modules of the catalog plugin add org-sync providers that
 * identity presets can activate, next to the built-in ones.
 *
 * @public
 */
export interface IdentityOrgProvidersExtensionPoint {
  addProvider(provider: IdentityOrgProvider): void;
}

/** @public */
export const identityOrgProvidersExtensionPoint =
  createExtensionPoint<IdentityOrgProvidersExtensionPoint>({
    id: 'devportal.identity-presets.org-providers',
  });

/** The exclusive group identity presets belong to. @public */
export const IDENTITY_GROUP = 'identity';
