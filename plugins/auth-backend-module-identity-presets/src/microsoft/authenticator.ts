import {
  createOAuthAuthenticator,
  OAuthAuthenticatorAuthenticateInput,
  OAuthAuthenticatorRefreshInput,
  OAuthAuthenticatorResult,
  PassportOAuthAuthenticatorHelper,
  PassportProfile,
} from '@backstage/plugin-auth-node';
import type { Config } from '@backstage/config';
import { EntraIdStrategy } from './strategy';

/** The public cloud's authority; sovereign clouds have their own (login.microsoftonline.us). */
const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
/** The public cloud's Graph; sovereign clouds have their own (graph.microsoft.us). */
const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';
/** Scopes of a token Graph's `/me` accepts, asked for when sign-in was for another resource. */
const GRAPH_PROFILE_SCOPE = 'openid email User.Read offline_access';

interface MicrosoftAuthenticatorContext {
  helper: PassportOAuthAuthenticatorHelper;
  domainHint?: string;
  skipUserProfile: boolean;
}

/** A URL from config, without the trailing slash that would double in joined paths. */
function readBaseUrl(config: Config, key: string, fallback: string): string {
  const value = config.getOptionalString(key) ?? fallback;
  try {
    return new URL(value).toString().replace(/\/+$/, '');
  } catch {
    throw new Error(
      `Invalid auth.providers.microsoft config: '${key}' must be an absolute URL, got '${value}'`,
    );
  }
}

/**
 * When sign-in asked for another resource's scopes, the access token is not
 * Graph's and the strategy leaves the profile out; a refresh for Graph's
 * scopes gets one, keeping the newest refresh token.
 */
async function withGraphProfile(
  result: OAuthAuthenticatorResult<PassportProfile>,
  input: OAuthAuthenticatorAuthenticateInput | OAuthAuthenticatorRefreshInput,
  ctx: MicrosoftAuthenticatorContext,
): Promise<OAuthAuthenticatorResult<PassportProfile>> {
  if (result.fullProfile || ctx.skipUserProfile) {
    return result;
  }
  const refreshToken =
    result.session.refreshToken ??
    ('refreshToken' in input ? input.refreshToken : undefined);
  if (!refreshToken) {
    return result;
  }
  const graph = await ctx.helper.refresh({
    req: input.req,
    scope: GRAPH_PROFILE_SCOPE,
    refreshToken,
  });
  return {
    ...result,
    fullProfile: graph.fullProfile,
    session: {
      ...result.session,
      refreshToken: graph.session.refreshToken ?? refreshToken,
    },
  };
}

/**
 * Microsoft Entra ID sign-in, as upstream's `microsoftAuthenticator`
 * (same strategy, config keys, scopes and profile shape, so upstream's
 * `microsoftSignInResolvers` work unchanged), plus `authority` and
 * `graphBaseUrl` for sovereign clouds and other Entra-compatible endpoints.
 *
 * @public
 */
export const microsoftAuthenticator = createOAuthAuthenticator<
  MicrosoftAuthenticatorContext,
  PassportProfile
>({
  defaultProfileTransform:
    PassportOAuthAuthenticatorHelper.defaultProfileTransform,
  scopes: {
    required: ['email', 'openid', 'offline_access', 'user.read'],
    transform({ requested, granted, required, additional }) {
      // A token is for one resource: with another resource's scope (it has
      // a '/'), Graph's scopes must not be mixed in.
      if (Array.from(requested).some(s => s.includes('/'))) {
        return [...requested, 'offline_access'];
      }
      return [...requested, ...granted, ...required, ...additional];
    },
  },
  initialize({ callbackUrl, config }) {
    const skipUserProfile =
      config.getOptionalBoolean('skipUserProfile') ?? false;
    const strategy = new EntraIdStrategy({
      clientId: config.getString('clientId'),
      clientSecret: config.getString('clientSecret'),
      tenantId: config.getString('tenantId'),
      callbackUrl,
      authority: readBaseUrl(config, 'authority', DEFAULT_AUTHORITY),
      graphBaseUrl: readBaseUrl(config, 'graphBaseUrl', DEFAULT_GRAPH_BASE_URL),
      skipUserProfile,
    });
    return {
      helper: PassportOAuthAuthenticatorHelper.from(strategy),
      domainHint: config.getOptionalString('domainHint'),
      skipUserProfile,
    };
  },
  async start(input, ctx) {
    return ctx.helper.start(input, {
      accessType: 'offline',
      ...(ctx.domainHint !== undefined && { domain_hint: ctx.domainHint }),
    });
  },
  async authenticate(input, ctx) {
    return withGraphProfile(await ctx.helper.authenticate(input), input, ctx);
  },
  async refresh(input, ctx) {
    return withGraphProfile(await ctx.helper.refresh(input), input, ctx);
  },
});
