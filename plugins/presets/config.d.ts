/*
 * The keys the identity presets set for the frontend (presets/*.yaml,
 * `appConfig`). Marked `@visibility frontend` so that the app backend hands
 * them to the browser: the sign-in page reads them at runtime, so one
 * bundle serves every preset selection.
 */
export interface Config {
  /**
   * The sign-in page the selected identity preset asks for: `ldap`,
   * `github`, `gitlab`, `microsoft`, `keycloak` or `oidc`. Unset without an
   * identity preset (guest sign-in, when allowed).
   * @visibility frontend
   */
  signInPage?: string;

  platform?: {
    guest?: {
      /**
       * Whether the guest button may be shown. The platform sets it to
       * false in production without `DEVPORTAL_ALLOW_GUEST=true`, and every
       * identity preset sets it to false.
       * @visibility frontend
       */
      enabled?: boolean;
    };
    /**
     * The sign-in providers of the selected identity preset, e.g. `[ldap]`;
     * read when `signInPage` is unset.
     * @visibility frontend
     */
    signInProviders?: string[];
    /**
     * What the sign-in button says, instead of the sign-in page's own
     * title (the `oidc` preset sets it).
     * @visibility frontend
     */
    signInTitle?: string;
  };
}
