import { Config, ConfigReader } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthProviderFactory,
  AuthResolverContext,
} from '@backstage/plugin-auth-node';
import { JsonObject, JsonValue } from '@backstage/types';

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `signIn` paths an operator wrote for an extra provider (its own,
 * `signIn`, and each environment's, `<env>.signIn`): they are not used.
 */
export function auxiliarySignInPaths(providerConfig: Config): string[] {
  const data = providerConfig.getOptional<JsonValue>();
  if (!isObject(data)) return [];
  return [
    ...('signIn' in data ? ['signIn'] : []),
    ...Object.entries(data)
      .filter(([, value]) => isObject(value) && 'signIn' in value)
      .map(([env]) => `${env}.signIn`),
  ];
}

function withoutSignIn(data: JsonObject): JsonObject {
  const { signIn: _unused, ...rest } = data;
  return Object.fromEntries(
    Object.entries(rest).map(([key, value]) => {
      if (!isObject(value)) return [key, value];
      const { signIn: _alsoUnused, ...env } = value;
      return [key, env];
    }),
  );
}

/**
 * An extra provider's factory: the provider runs its flow and hands out
 * its own tokens (e.g. GitHub's, for the Actions tab), but never a
 * Backstage identity. Its sign-in resolvers are dropped from its config, so
 * an OAuth flow ends with the provider's session and no identity; and
 * whatever a provider does without a resolver, it cannot issue a Backstage
 * token: the resolver context it gets refuses to.
 */
export function auxiliaryProviderFactory(
  factory: AuthProviderFactory,
): AuthProviderFactory {
  return options => {
    const refusal = () =>
      Promise.reject(
        new NotAllowedError(
          `auth.providers.${options.providerId} is an extra provider: it issues its own tokens for integrations, and signs nobody in (only the identity preset's provider does)`,
        ),
      );
    const resolverContext: AuthResolverContext = {
      findCatalogUser: query => options.resolverContext.findCatalogUser(query),
      resolveOwnershipEntityRefs: entity =>
        options.resolverContext.resolveOwnershipEntityRefs(entity),
      issueToken: refusal,
      signInWithCatalogUser: refusal,
    };
    const data = options.config.getOptional<JsonValue>();
    return factory({
      ...options,
      config: isObject(data)
        ? new ConfigReader(
            withoutSignIn(data),
            `auth.providers.${options.providerId}`,
          )
        : options.config,
      resolverContext,
    });
  };
}
