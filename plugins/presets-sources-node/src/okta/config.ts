import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/**
 * One Okta org to sync, read from `catalog.providers.oktaOrg.<id>`. The
 * keys follow `@roadiehq/catalog-backend-module-okta`'s account config
 * (`orgUrl`, `token`, `userFilter`, `groupFilter`), so a block written for
 * it reads the same here. The block's `schedule` is read by the module
 * that schedules the provider.
 *
 * @public
 */
export interface OktaOrgConfig {
  /** The key under `catalog.providers.oktaOrg`. */
  id: string;
  /** The org's URL, e.g. `https://acme.okta.com`, without a trailing slash. */
  orgUrl: string;
  /** An Okta API token (sent as `Authorization: SSWS <token>`). */
  token: string;
  /** Okta's `search` expression for `/api/v1/users`, e.g. `profile.department eq "Engineering"`. */
  userFilter?: string;
  /** Okta's `search` expression for `/api/v1/groups`, e.g. `profile.name sw "eng-"`. */
  groupFilter?: string;
}

function readOne(id: string, block: Config): OktaOrgConfig {
  const at = `catalog.providers.oktaOrg.${id}`;
  const orgUrl = block.getString('orgUrl').trim().replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(orgUrl);
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/') {
    throw new InputError(
      `${at}.orgUrl must be the URL of the Okta org, such as https://acme.okta.com (no path), got '${orgUrl}'`,
    );
  }
  const optional = (key: string) =>
    block.getOptionalString(key)?.trim() || undefined;
  return {
    id,
    orgUrl,
    token: block.getString('token'),
    userFilter: optional('userFilter'),
    groupFilter: optional('groupFilter'),
  };
}

/**
 * Reads every Okta org under `catalog.providers.oktaOrg`; none when the key
 * is absent.
 *
 * @public
 */
export function readOktaOrgConfigs(config: Config): OktaOrgConfig[] {
  const providers = config.getOptionalConfig('catalog.providers.oktaOrg');
  if (!providers) {
    return [];
  }
  return providers.keys().map(id => readOne(id, providers.getConfig(id)));
}
