import {
  MicrosoftGraphClient,
  MicrosoftGraphProviderConfig,
  readProviderConfigs,
} from '@backstage/plugin-catalog-backend-module-msgraph';
import {
  DoctorCheck,
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
  errorMessage,
} from './doctorCheck';

const KEY = 'catalog.providers.microsoftGraphOrg';

/**
 * Entra's own error (`AADSTS7000215: Invalid client secret provided. ...`)
 * out of what MSAL and @azure/identity wrap it in, without the trace and
 * correlation ids and timestamps around it.
 */
function entraError(error: unknown): string {
  const message = errorMessage(error);
  return (
    /AADSTS\d+:.*?(?=\s+Trace ID:|\s+-\s|$)/.exec(message)?.[0] ??
    message.split(/\r?\n/)[0]
  );
}

/**
 * Whether @azure/identity failed to get the token (it names its errors),
 * rather than Graph refusing a request made with one.
 */
function isTokenError(error: unknown): boolean {
  const errorName = (error as { name?: unknown })?.name;
  return (
    typeof errorName === 'string' &&
    [
      'AuthenticationError',
      'AuthenticationRequiredError',
      'CredentialUnavailableError',
      'AggregateAuthenticationError',
    ].includes(errorName)
  );
}

async function checkProvider(
  provider: MicrosoftGraphProviderConfig,
  base: string,
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  // The sync's own client: a client-credentials token from @azure/identity
  // at the configured authority, for the target's `/.default` scope.
  const client = MicrosoftGraphClient.create(provider);
  const found: string[] = [];
  for (const kind of ['users', 'groups'] as const) {
    const query = {
      top: 1,
      filter: kind === 'users' ? provider.userFilter : provider.groupFilter,
    };
    const path =
      (kind === 'users' ? provider.userPath : provider.groupPath) ?? kind;
    try {
      let seen = 0;
      // The first item ends the walk: one GET, as the sync starts it.
      for await (const _item of client.requestCollection(
        path,
        query,
        provider.queryMode,
        signal,
      )) {
        seen += 1;
        break;
      }
      found.push(seen > 0 ? `reads ${kind}` : `finds no ${kind}`);
    } catch (error) {
      if (isTokenError(error)) {
        return {
          status: 'problem',
          message: `no Graph token from ${
            provider.authority ?? 'https://login.microsoftonline.com'
          } for tenant ${provider.tenantId}: ${entraError(error)}`,
          fix: `Check ${name(`${base}.clientId`)}, ${name(
            `${base}.clientSecret`,
          )} and ${name(
            `${base}.tenantId`,
          )} (the app registration and its client secret's value)`,
        };
      }
      const message = errorMessage(error);
      if (/Authorization_RequestDenied|Forbidden/.test(message)) {
        return {
          status: 'problem',
          message: `the token may not read ${kind}: ${message}`,
          fix: `Grant the app registration of ${name(
            `${base}.clientId`,
          )} the Graph application permissions User.Read.All and GroupMember.Read.All, with admin consent`,
        };
      }
      return {
        status: 'problem',
        message: `GET ${provider.target}/${path} failed: ${message}`,
        fix: `Check ${name(`${base}.target`)}${
          query.filter
            ? ` and ${name(
                `${base}.${kind === 'users' ? 'user' : 'group'}.filter`,
              )}`
            : ''
        }`,
      };
    }
  }
  return {
    status: 'ok',
    message: `a client-credentials token for ${
      new URL(provider.target).host
    }; it ${found.join(' and ')}`,
  };
}

/**
 * `catalog.providers.microsoftGraphOrg`: per provider, a client-credentials
 * token for Graph and one GET of users and of groups with it, read and
 * sent by the upstream msgraph module's own config reader and client.
 */
export const microsoftGraphChecks: DoctorCheckFactory = (config, name) => {
  // Upstream also takes a single provider written directly under the key.
  const single = config.has(`${KEY}.clientId`);
  return readProviderConfigs(config).map((provider): DoctorCheck => {
    const base = single ? KEY : `${KEY}.${provider.id}`;
    return {
      id: base,
      title: 'Microsoft Graph token and org read',
      run: (_config, context) => checkProvider(provider, base, name, context),
    };
  });
};
