/*
 * What this module relies on in upstream catalog providers beyond their
 * public API: how a provider names itself, and the id of the task it hands
 * its task runner. Both are upstream conventions, not contracts, so they
 * live here alone; `upstreamProviderNames.test.ts` checks them against the
 * installed upstream providers, so an upgrade that changes one fails that
 * test instead of a schedule or a sync that silently stops working.
 */

/**
 * The config id in an upstream provider's name `<Kind>:<id>`
 * (`LdapOrgEntityProvider:default` is configured under
 * `catalog.providers.ldapOrg.default`).
 */
export function configIdOf(providerName: string): string {
  return providerName.slice(providerName.indexOf(':') + 1);
}

/**
 * The id of the task an upstream provider hands its task runner when it
 * connects: `<providerName>:refresh`.
 */
export function refreshTaskIdOf(providerName: string): string {
  return `${providerName}:refresh`;
}
