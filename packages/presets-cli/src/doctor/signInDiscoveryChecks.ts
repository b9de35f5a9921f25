import { Config } from '@backstage/config';
import { Issuer } from 'openid-client';
import {
  DoctorCheck,
  DoctorCheckFactory,
  DoctorOutcome,
  errorMessage,
} from './doctorCheck';

/**
 * Where a sign-in provider's discovery document is, read from its block
 * for `auth.environment`, and how to name what sets it in a fix.
 */
interface Discovery {
  url: string;
  /** The config keys the URL is built from, relative to the provider's block. */
  from: string[];
}

/**
 * An OAuth sign-in provider's discovery: an OpenID Connect provider
 * configuration document fetched and parsed by openid-client, the library
 * upstream's OIDC authenticator discovers its issuer with.
 */
async function discover(
  discovery: Discovery,
  fix: string,
): Promise<DoctorOutcome> {
  let issuer: Issuer;
  try {
    issuer = await Issuer.discover(discovery.url);
  } catch (error) {
    return {
      status: 'problem',
      message: `no OpenID provider configuration at ${
        discovery.url
      }: ${errorMessage(error)}`,
      fix,
    };
  }
  const { metadata } = issuer;
  const missing = ['authorization_endpoint', 'token_endpoint', 'jwks_uri']
    .filter(field => typeof metadata[field] !== 'string')
    .join(', ');
  if (missing) {
    return {
      status: 'problem',
      message: `the provider configuration at ${discovery.url} lacks ${missing}`,
      fix,
    };
  }
  return {
    status: 'ok',
    message: `issuer ${metadata.issuer}; authorization at ${metadata.authorization_endpoint}`,
  };
}

/**
 * The discovery checks of one `auth.providers.<id>`: per environment block
 * the backend uses (`auth.environment`), where its document is.
 */
function signInDiscoveryChecks(
  providerId: string,
  title: string,
  locate: (block: Config) => Discovery | undefined,
): DoctorCheckFactory {
  return (config, name) => {
    const environment =
      config.getOptionalString('auth.environment') ?? 'development';
    const key = `auth.providers.${providerId}.${environment}`;
    const block = config.getOptionalConfig(key);
    const discovery = block && locate(block);
    if (!discovery) {
      return [];
    }
    const fix = `Check ${discovery.from
      .map(field => name(`${key}.${field}`))
      .join(
        ' and ',
      )}: the sign-in provider's discovery document must answer at ${
      discovery.url
    }`;
    const check: DoctorCheck = {
      id: key,
      title,
      run: () => discover(discovery, fix),
    };
    return [check];
  };
}

/** `auth.providers.oidc`: its `metadataUrl`, which the authenticator discovers. */
export const oidcDiscoveryChecks = signInDiscoveryChecks(
  'oidc',
  'OIDC issuer discovery',
  block => {
    const url = block.getOptionalString('metadataUrl');
    return url ? { url, from: ['metadataUrl'] } : undefined;
  },
);

/**
 * `auth.providers.okta`: the authorization server sign-in goes through,
 * the org's (`<audience>`) or a custom one (`<audience>/oauth2/<authServerId>`),
 * each with its discovery document below it.
 */
export const oktaDiscoveryChecks = signInDiscoveryChecks(
  'okta',
  'Okta issuer discovery',
  block => {
    const audience = block.getOptionalString('audience')?.replace(/\/+$/, '');
    if (!audience) {
      return undefined;
    }
    const server = block.getOptionalString('authServerId');
    return {
      url: `${audience}${
        server ? `/oauth2/${encodeURIComponent(server)}` : ''
      }/.well-known/openid-configuration`,
      from: server ? ['audience', 'authServerId'] : ['audience'],
    };
  },
);

/** The authority host Microsoft sign-in uses when the config names none. */
const MICROSOFT_AUTHORITY = 'https://login.microsoftonline.com';

/**
 * `auth.providers.microsoft`: the tenant's v2.0 discovery document at the
 * authority, which answers only for a tenant it knows.
 */
export const microsoftDiscoveryChecks = signInDiscoveryChecks(
  'microsoft',
  'Microsoft tenant discovery',
  block => {
    if (!block.has('clientId')) {
      return undefined;
    }
    const authority = (
      block.getOptionalString('authority') ?? MICROSOFT_AUTHORITY
    ).replace(/\/+$/, '');
    const tenantId = block.getOptionalString('tenantId') ?? 'common';
    return {
      url: `${authority}/${encodeURIComponent(
        tenantId,
      )}/v2.0/.well-known/openid-configuration`,
      from: ['tenantId', 'authority'],
    };
  },
);
