import {
  createSignInResolverFactory,
  ProfileTransform,
  SignInInfo,
} from '@backstage/plugin-auth-node';

/**
 * What the LDAP provider hands to sign-in resolvers and profile transforms
 * after the directory accepted a username and password.
 *
 * @public
 */
export interface LdapAuthResult {
  /** DN of the user's entry, as the directory returned it. */
  dn: string;
  /**
   * The user's value of the configured `usernameAttribute`, spelled as in the
   * directory (which may differ in case from what the user typed).
   */
  username: string;
  /**
   * Attributes read from the entry (`cn`, `displayName`, `mail`, `givenName`,
   * `sn` and the username attribute), keyed by lower-cased attribute name.
   */
  attributes: Record<string, string[]>;
}

/**
 * The annotation that `@backstage/plugin-catalog-backend-module-ldap` puts
 * on the User entities it creates, holding the entry's DN.
 */
const LDAP_DN_ANNOTATION = 'backstage.io/ldap-dn';

/**
 * Profile of an LDAP user: email from `mail`, display name from
 * `displayName`, else `cn`.
 *
 * @public
 */
export const defaultLdapProfileTransform: ProfileTransform<
  LdapAuthResult
> = async result => {
  const first = (name: string) => result.attributes[name]?.find(v => v !== '');
  return {
    profile: {
      email: first('mail'),
      displayName: first('displayname') ?? first('cn'),
    },
  };
};

/**
 * Sign-in resolvers specific to the LDAP provider.
 *
 * @public
 */
export namespace ldapSignInResolvers {
  /**
   * Signs in the catalog User entity whose name is the LDAP username (the
   * `usernameAttribute` value, e.g. `uid` or `sAMAccountName`), in the
   * default namespace. This matches User entities created by the catalog's
   * LDAP org provider with `map.name` set to the same attribute.
   */
  export const ldapUsernameMatchingUserEntityName = createSignInResolverFactory(
    {
      create() {
        return async (info: SignInInfo<LdapAuthResult>, ctx) =>
          ctx.signInWithCatalogUser({
            entityRef: { name: info.result.username },
          });
      },
    },
  );

  /**
   * Signs in the catalog User entity annotated with the entry's DN
   * (`backstage.io/ldap-dn`), as set by the catalog's LDAP org provider.
   */
  export const ldapDnMatchingUserEntityAnnotation = createSignInResolverFactory(
    {
      create() {
        return async (info: SignInInfo<LdapAuthResult>, ctx) =>
          ctx.signInWithCatalogUser({
            annotations: { [LDAP_DN_ANNOTATION]: info.result.dn },
          });
      },
    },
  );
}
