import { readFile } from 'fs/promises';
import { createSecureContext } from 'tls';
import { Config } from '@backstage/config';
import {
  LdapProviderConfig,
  readProviderConfigs,
} from '@backstage/plugin-catalog-backend-module-ldap';
import {
  Client,
  InvalidCredentialsError,
  NoSuchObjectError,
  SearchOptions,
} from 'ldapts';
import {
  DoctorCheck,
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
  errorMessage,
} from './doctorCheck';

const KEY = 'catalog.providers.ldapOrg';

/**
 * A connection as the org-sync provider's LdapClient opens it (ldapts, its
 * TLS options from the provider's `tls` block), plus the check's timeouts:
 * the provider's client takes none and cannot be closed.
 */
async function connect(
  provider: LdapProviderConfig,
  timeoutMs: number,
): Promise<Client> {
  const { tls } = provider;
  const secureContext =
    tls?.certs && tls.keys
      ? createSecureContext({
          cert: await readFile(tls.certs, 'utf-8'),
          key: await readFile(tls.keys, 'utf-8'),
        })
      : undefined;
  const tlsOptions = {
    secureContext,
    rejectUnauthorized: tls?.rejectUnauthorized,
  };
  return new Client({
    url: provider.target,
    timeout: timeoutMs,
    connectTimeout: timeoutMs,
    ...(Object.values(tlsOptions).some(v => v !== undefined) && {
      tlsOptions,
    }),
  });
}

/** How many entries a search of the provider finds, without their attributes. */
async function count(
  client: Client,
  dn: string,
  options: SearchOptions,
): Promise<number> {
  const { searchEntries } = await client.search(dn, {
    ...options,
    // "1.1": no attributes, the entries only (RFC 4511 4.5.1.8).
    attributes: ['1.1'],
    paged: options.paged ?? { pageSize: 500 },
  });
  return searchEntries.length;
}

type Searched = { dn: string; options: SearchOptions };

/** Searches each base DN of one kind; a problem for the first that fails or finds nothing. */
async function searchAll(
  client: Client,
  searches: Searched[],
  kind: 'users' | 'groups',
  base: string,
  name: NameKey,
): Promise<string[] | DoctorOutcome> {
  const found: string[] = [];
  for (const [index, { dn, options }] of searches.entries()) {
    const key = `${base}.${kind}[${index}]`;
    let entries: number;
    try {
      entries = await count(client, dn, options);
    } catch (error) {
      if (error instanceof NoSuchObjectError) {
        return {
          status: 'problem',
          message: `no entry at the ${kind} base DN ${dn}`,
          fix: `Set ${name(`${key}.dn`)} to a DN that exists in the directory`,
        };
      }
      return {
        status: 'problem',
        message: `the search for ${kind} under ${dn} failed: ${errorMessage(
          error,
        )}`,
        fix: `Check ${name(`${key}.dn`)} and ${name(`${key}.options.filter`)}`,
      };
    }
    if (entries === 0) {
      return {
        status: 'problem',
        message: `no ${kind} under ${dn} match ${
          options.filter ?? 'the filter'
        }`,
        fix: `Check ${name(`${key}.dn`)} and ${name(
          `${key}.options.filter`,
        )}; the org sync refuses an empty directory`,
      };
    }
    found.push(`${entries} ${kind} under ${dn}`);
  }
  return found;
}

async function checkProvider(
  provider: LdapProviderConfig,
  name: NameKey,
  { signal, timeoutMs }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const base = `${KEY}.${provider.id}`;
  let client: Client;
  try {
    client = await connect(provider, timeoutMs);
  } catch (error) {
    return {
      status: 'problem',
      message: `cannot read the TLS files: ${errorMessage(error)}`,
      fix: `Check ${name(`${base}.tls`)}`,
    };
  }
  const close = () => client.unbind().catch(() => undefined);
  signal.addEventListener('abort', close);
  try {
    const bindDn = provider.bind?.dn;
    if (provider.bind) {
      try {
        await client.bind(provider.bind.dn, provider.bind.secret);
      } catch (error) {
        return error instanceof InvalidCredentialsError
          ? {
              status: 'problem',
              message: `the directory refused the bind as ${provider.bind.dn}: invalid credentials`,
              fix: `Set ${name(
                `${base}.bind.secret`,
              )} to the password of ${name(`${base}.bind.dn`)}`,
            }
          : {
              status: 'problem',
              message: `cannot bind at ${provider.target}: ${errorMessage(
                error,
              )}`,
              fix: `Check ${name(
                `${base}.target`,
              )} (a reachable ldap:// or ldaps:// URL whose certificate this machine trusts) and ${name(
                `${base}.bind.dn`,
              )}`,
            };
      }
    }
    const users = await searchAll(client, provider.users, 'users', base, name);
    if (!Array.isArray(users)) {
      return users;
    }
    const groups = await searchAll(
      client,
      provider.groups,
      'groups',
      base,
      name,
    );
    if (!Array.isArray(groups)) {
      return groups;
    }
    return {
      status: 'ok',
      message: `bound as ${bindDn ?? '(anonymous)'}; ${[
        ...users,
        ...groups,
      ].join('; ')}`,
    };
  } finally {
    signal.removeEventListener('abort', close);
    await close();
  }
}

/**
 * `catalog.providers.ldapOrg`: per provider, a bind as its bind DN and a
 * search of each users and groups base DN, read by the provider's own
 * config reader.
 */
export const ldapChecks: DoctorCheckFactory = (config: Config, name) =>
  readProviderConfigs(config).map(
    (provider): DoctorCheck => ({
      id: `${KEY}.${provider.id}`,
      title: 'LDAP bind and search',
      run: (_config, context) => checkProvider(provider, name, context),
    }),
  );
