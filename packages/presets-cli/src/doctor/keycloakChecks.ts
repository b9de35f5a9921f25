import { Config } from '@backstage/config';
import KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import {
  DoctorCheck,
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
  errorMessage,
} from './doctorCheck';

const KEY = 'catalog.providers.keycloakOrg';

/**
 * The part of a `catalog.providers.keycloakOrg.<id>` block the sync
 * connects with, read with the Keycloak module's defaults (`master` for
 * both realms).
 */
interface KeycloakConnection {
  id: string;
  baseUrl: string;
  realm: string;
  loginRealm: string;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

function readConnection(id: string, block: Config): KeycloakConnection {
  return {
    id,
    baseUrl: block.getString('baseUrl'),
    realm: block.getOptionalString('realm') ?? 'master',
    loginRealm: block.getOptionalString('loginRealm') ?? 'master',
    clientId: block.getOptionalString('clientId'),
    clientSecret: block.getOptionalString('clientSecret'),
    username: block.getOptionalString('username'),
    password: block.getOptionalString('password'),
  };
}

/** The HTTP status of a failed keycloak-admin-client call, if it got one. */
function statusOf(error: unknown): number | undefined {
  const response = (error as { response?: { status?: unknown } })?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}

/** A count of users or groups in the realm, as the sync asks before paging. */
async function count(
  client: KeycloakAdminClient,
  kind: 'users' | 'groups',
  realm: string,
): Promise<number> {
  if (kind === 'users') {
    return client.users.count({ realm });
  }
  const answer: number | { count: number } = await client.groups.count({
    realm,
  });
  return typeof answer === 'number' ? answer : answer.count;
}

async function checkProvider(
  provider: KeycloakConnection,
  name: NameKey,
  { timeoutMs }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const base = `${KEY}.${provider.id}`;
  // The sync's client, connected as its KeycloakOrgEntityProvider does:
  // a token from the login realm, then the admin API of the realm.
  const client = new KeycloakAdminClient({
    baseUrl: provider.baseUrl,
    realmName: provider.loginRealm,
    timeout: timeoutMs,
  });
  const byPassword = Boolean(provider.username && provider.password);
  const credential = byPassword
    ? `${name(`${base}.username`)} and ${name(`${base}.password`)}`
    : `${name(`${base}.clientId`)} and ${name(`${base}.clientSecret`)}`;
  try {
    await client.auth(
      byPassword
        ? {
            grantType: 'password',
            clientId: provider.clientId ?? 'admin-cli',
            username: provider.username,
            password: provider.password,
          }
        : {
            grantType: 'client_credentials',
            clientId: provider.clientId ?? '',
            clientSecret: provider.clientSecret,
          },
    );
  } catch (error) {
    const status = statusOf(error);
    const tokenUrl = `${provider.baseUrl}/realms/${provider.loginRealm}/protocol/openid-connect/token`;
    return status === 400 || status === 401
      ? {
          status: 'problem',
          message: `Keycloak refused a ${
            byPassword ? 'password' : 'client_credentials'
          } token at ${tokenUrl} (${status}: ${errorMessage(error)})`,
          fix: `Check ${credential}; the client needs "Service accounts roles" enabled in realm ${provider.loginRealm}`,
        }
      : {
          status: 'problem',
          message: `no token from ${tokenUrl}: ${
            status ? `${status} ` : ''
          }${errorMessage(error)}`,
          fix: `Check ${name(`${base}.baseUrl`)} and ${name(
            `${base}.loginRealm`,
          )}`,
        };
  }
  const found: string[] = [];
  for (const kind of ['users', 'groups'] as const) {
    try {
      found.push(`${await count(client, kind, provider.realm)} ${kind}`);
    } catch (error) {
      const status = statusOf(error);
      const url = `${provider.baseUrl}/admin/realms/${provider.realm}/${kind}/count`;
      return status === 403
        ? {
            status: 'problem',
            message: `the service account's token may not read ${kind}: GET ${url} answered 403`,
            fix: `Give the service account of ${name(
              `${base}.clientId`,
            )} the realm-management roles view-users, query-users and query-groups`,
          }
        : {
            status: 'problem',
            message: `GET ${url} failed: ${
              status ? `${status} ` : ''
            }${errorMessage(error)}`,
            fix: `Check ${name(`${base}.realm`)} and ${name(
              `${base}.baseUrl`,
            )}`,
          };
    }
  }
  return {
    status: 'ok',
    message: `${
      byPassword
        ? `a password token for ${provider.username}`
        : `a service account token for ${provider.clientId}`
    } from realm ${provider.loginRealm}; realm ${
      provider.realm
    } has ${found.join(' and ')}`,
  };
}

/**
 * `catalog.providers.keycloakOrg`: per provider, the token the sync asks
 * for and whether it may read the realm's users and groups, through the
 * sync's own client (@keycloak/keycloak-admin-client).
 */
export const keycloakChecks: DoctorCheckFactory = (config, name) => {
  const providers = config.getConfig(KEY);
  return providers.keys().map((id): DoctorCheck => {
    const provider = readConnection(id, providers.getConfig(id));
    return {
      id: `${KEY}.${id}`,
      title: 'Keycloak token and org read',
      run: (_config, context) => checkProvider(provider, name, context),
    };
  });
};
