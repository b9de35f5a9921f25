import {
  OktaApi,
  OktaOrgConfig,
  OktaResponseError,
  readOktaOrgConfigs,
} from '@devportal/plugin-presets-sources-node';
import {
  DoctorCheck,
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
  errorMessage,
} from './doctorCheck';

const KEY = 'catalog.providers.oktaOrg';

async function checkOrg(
  org: OktaOrgConfig,
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const base = `${KEY}.${org.id}`;
  const api = new OktaApi({ orgUrl: org.orgUrl, token: org.token });
  const found: string[] = [];
  for (const [list, search, filterKey] of [
    ['users', org.userFilter, 'userFilter'],
    ['groups', org.groupFilter, 'groupFilter'],
  ] as const) {
    try {
      const { items, more } = await api.firstPage(list, { search, signal });
      found.push(`${items.length}${more ? '+' : ''} ${list}`);
    } catch (error) {
      if (!(error instanceof OktaResponseError)) {
        return {
          status: 'problem',
          message: `cannot reach ${org.orgUrl}: ${errorMessage(error)}`,
          fix: `Check ${name(`${base}.orgUrl`)}`,
        };
      }
      if (error.status === 401) {
        return {
          status: 'problem',
          message: `Okta refused the API token: ${error.message}`,
          fix: `Set ${name(
            `${base}.token`,
          )} to a valid API token of this org (Security > API > Tokens)`,
        };
      }
      if (error.status === 403) {
        return {
          status: 'problem',
          message: `the API token may not read ${list}: ${error.message}`,
          fix: `Create ${name(
            `${base}.token`,
          )} as an admin who may read users and groups (Read-Only Administrator is enough)`,
        };
      }
      return {
        status: 'problem',
        message: error.message,
        fix:
          error.status === 400 && search
            ? `Check ${name(`${base}.${filterKey}`)}, an Okta search expression`
            : `Check ${name(`${base}.orgUrl`)}`,
      };
    }
  }
  return {
    status: 'ok',
    message: `${
      new URL(org.orgUrl).host
    } takes the API token; the first page has ${found.join(' and ')}`,
  };
}

/**
 * `catalog.providers.oktaOrg`: per org, whether the API token may read its
 * users and groups, one page of each through the org sync's own reader
 * and config reader.
 */
export const oktaChecks: DoctorCheckFactory = (config, name) =>
  readOktaOrgConfigs(config).map(
    (org): DoctorCheck => ({
      id: `${KEY}.${org.id}`,
      title: 'Okta API token',
      run: (_config, context) => checkOrg(org, name, context),
    }),
  );
