import { NotAllowedError, NotFoundError } from '@backstage/errors';
import type { OidcAuthResult } from '@backstage/plugin-auth-backend-module-oidc-provider';
import {
  AuthResolverCatalogUserQuery,
  createSignInResolverFactory,
} from '@backstage/plugin-auth-node';
import type { SignInInfo } from '@backstage/plugin-auth-node';

/**
 * The annotation the Keycloak org provider sets to the Keycloak user id.
 *
 * @public
 */
export const KEYCLOAK_ID_ANNOTATION = 'keycloak.org/id';

/**
 * A resolver that signs in with the catalog user a userinfo claim points
 * at, and says so in plain words when nobody matches.
 */
function userinfoClaimResolver(
  claim: 'sub' | 'preferred_username',
  query: (value: string) => AuthResolverCatalogUserQuery,
  who: (value: string) => string,
) {
  return createSignInResolverFactory({
    create() {
      return async (info: SignInInfo<{ fullProfile: OidcAuthResult }>, ctx) => {
        const value = info.result.fullProfile.userinfo[claim];
        if (typeof value !== 'string' || !value) {
          throw new Error(`The identity provider returned no ${claim} claim`);
        }
        try {
          return await ctx.signInWithCatalogUser(query(value));
        } catch (error) {
          if ((error as Error)?.name === 'NotFoundError') {
            throw new NotFoundError(
              `No catalog user matches ${who(
                value,
              )}; ask an administrator to check the org sync`,
            );
          }
          throw error;
        }
      };
    },
  });
}

/**
 * Sign-in resolvers for OIDC providers that the upstream OIDC module does
 * not ship, named as in VeeCode's and Red Hat Developer Hub's presets.
 *
 * @public
 */
export namespace identitySignInResolvers {
  /** Matches the OIDC `sub` claim to the Keycloak id annotation set by the Keycloak org provider. */
  export const oidcSubClaimMatchingKeycloakUserId = userinfoClaimResolver(
    'sub',
    sub => ({ annotations: { [KEYCLOAK_ID_ANNOTATION]: sub } }),
    () => `the signed-in account (${KEYCLOAK_ID_ANNOTATION})`,
  );

  /**
   * Matches the OIDC `email` claim to the User entity's `spec.profile.email`,
   * unless the provider says the address is unverified (`email_verified:
   * false`): a provider that lets people type in their own address must not
   * let them sign in as the colleague whose address they typed. No email,
   * or an unverified one, hands over to the next resolver.
   */
  export const verifiedEmailMatchingUserEntityProfileEmail =
    createSignInResolverFactory({
      create() {
        return async (
          info: SignInInfo<{ fullProfile: OidcAuthResult }>,
          ctx,
        ) => {
          const { email, email_verified: verified } =
            info.result.fullProfile.userinfo;
          if (typeof email !== 'string' || !email) {
            throw new NotFoundError('The identity provider returned no email');
          }
          if (verified === false) {
            throw new NotFoundError(
              `The identity provider has not verified the email ${email}`,
            );
          }
          return ctx.signInWithCatalogUser({
            filter: { 'spec.profile.email': email },
          });
        };
      },
    });

  /** Matches the OIDC `preferred_username` claim to the User entity name. */
  export const preferredUsernameMatchingUserEntityName = userinfoClaimResolver(
    'preferred_username',
    username => ({ entityRef: { name: username } }),
    username => `the username "${username}"`,
  );
}

/**
 * The annotation the GitHub org provider sets to the GitHub user's node id.
 *
 * @public
 */
export const GITHUB_USER_ID_ANNOTATION = 'github.com/user-id';

/**
 * GitHub sign-in resolvers of ours, next to upstream's.
 *
 * @public
 */
export namespace githubIdentitySignInResolvers {
  /**
   * Matches the GitHub login to the User entity name, like upstream's
   * `usernameMatchingUserEntityName`, but refuses a User whose
   * `github.com/user-id` annotation names another GitHub account: a login
   * can be renamed and then registered by someone else, and that person
   * must not sign in as the User the login used to belong to.
   */
  export const usernameMatchingUserEntityNameWithoutConflictingId =
    createSignInResolverFactory({
      create() {
        return async (
          info: SignInInfo<{
            fullProfile: { username?: string; nodeId?: string };
          }>,
          ctx,
        ) => {
          const { username, nodeId } = info.result.fullProfile;
          if (!username) {
            throw new Error('The GitHub profile carries no login');
          }
          const { entity } = await ctx.findCatalogUser({
            entityRef: { name: username },
          });
          const annotated =
            entity.metadata.annotations?.[GITHUB_USER_ID_ANNOTATION];
          if (annotated && annotated !== nodeId) {
            throw new NotAllowedError(
              `The catalog user "${username}" belongs to another GitHub account (${GITHUB_USER_ID_ANNOTATION} differs); ask an administrator to check the org sync`,
            );
          }
          return ctx.signInWithCatalogUser({ entityRef: { name: username } });
        };
      },
    });
}
