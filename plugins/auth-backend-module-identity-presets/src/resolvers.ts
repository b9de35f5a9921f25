import { createSignInResolverFactory } from '@backstage/plugin-auth-node';
import { NotFoundError } from '@backstage/errors';
import type { OidcAuthResult } from '@backstage/plugin-auth-backend-module-oidc-provider';
import type { SignInInfo } from '@backstage/plugin-auth-node';

/** The annotation the Keycloak org provider sets to the Keycloak user id. */
export const KEYCLOAK_ID_ANNOTATION = 'keycloak.org/id';

function refuseUnknown(error: unknown, who: string): never {
  if (
    error instanceof NotFoundError ||
    (error as Error)?.name === 'NotFoundError'
  ) {
    throw new NotFoundError(
      `No catalog user matches ${who}; ask an administrator to check the org sync`,
    );
  }
  throw error;
}

/**
 * Sign-in resolvers for OIDC providers that the upstream OIDC module does
 * not ship, named as in VeeCode's and Red Hat Developer Hub's presets.
 *
 * @public
 */
export namespace identitySignInResolvers {
  /** Matches the OIDC `sub` claim to the Keycloak id annotation set by the Keycloak org provider. */
  export const oidcSubClaimMatchingKeycloakUserId = createSignInResolverFactory(
    {
      create() {
        return async (
          info: SignInInfo<{ fullProfile: OidcAuthResult }>,
          ctx,
        ) => {
          const sub = info.result.fullProfile.userinfo.sub;
          if (!sub) {
            throw new Error('The identity provider returned no sub claim');
          }
          try {
            return await ctx.signInWithCatalogUser({
              annotations: { [KEYCLOAK_ID_ANNOTATION]: sub },
            });
          } catch (error) {
            return refuseUnknown(
              error,
              `the signed-in account (${KEYCLOAK_ID_ANNOTATION})`,
            );
          }
        };
      },
    },
  );

  /** Matches the OIDC `preferred_username` claim to the User entity name. */
  export const preferredUsernameMatchingUserEntityName =
    createSignInResolverFactory({
      create() {
        return async (
          info: SignInInfo<{ fullProfile: OidcAuthResult }>,
          ctx,
        ) => {
          const username = info.result.fullProfile.userinfo.preferred_username;
          if (!username) {
            throw new Error(
              'The identity provider returned no preferred_username claim',
            );
          }
          try {
            return await ctx.signInWithCatalogUser({
              entityRef: { name: username },
            });
          } catch (error) {
            return refuseUnknown(error, `the username "${username}"`);
          }
        };
      },
    });
}
