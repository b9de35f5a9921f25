export interface Config {
  auth?: {
    providers?: {
      /**
       * Okta sign-in, per auth environment (e.g. `production`), through
       * upstream's `@backstage/plugin-auth-backend-module-okta-provider`.
       */
      okta?: {
        [authEnv: string]: {
          /** Client ID of the Okta OIDC web app integration. */
          clientId: string;
          /**
           * Client secret of that app integration.
           * @visibility secret
           */
          clientSecret: string;
          /** The Okta org URL, e.g. `https://acme.okta.com`. */
          audience: string;
          /** A custom authorization server's id (e.g. `default`); the org authorization server when unset. */
          authServerId?: string;
          /** An identity provider id to send people to (Okta's `idp` parameter). */
          idp?: string;
          /** Overrides the redirect URI, `<backend base URL>/api/auth/okta/handler/frame` by default. */
          callbackUrl?: string;
          signIn?: {
            resolvers: Array<{ resolver: string; [option: string]: unknown }>;
          };
        };
      };
      /**
       * Microsoft Entra ID sign-in, per auth environment (e.g. `production`),
       * through this package's authenticator: upstream's keys plus
       * `authority` and `graphBaseUrl` for sovereign clouds.
       */
      microsoft?: {
        [authEnv: string]: {
          /** Application (client) ID of the Entra ID app registration. */
          clientId: string;
          /**
           * Client secret of the app registration.
           * @visibility secret
           */
          clientSecret: string;
          /** Directory (tenant) ID, or `organizations` / `common`. */
          tenantId: string;
          /**
           * Authority host that serves the tenant's `oauth2/v2.0/authorize`
           * and `oauth2/v2.0/token` endpoints.
           * Defaults to `https://login.microsoftonline.com`; national clouds
           * use their own, e.g. `https://login.microsoftonline.us`.
           */
          authority?: string;
          /**
           * Microsoft Graph endpoint with its version, where the signed-in
           * user's profile (`/me`) and photo are read.
           * Defaults to `https://graph.microsoft.com/v1.0`; national clouds
           * use their own, e.g. `https://graph.microsoft.us/v1.0`.
           */
          graphBaseUrl?: string;
          /** Preselects the user's organization on the sign-in page (`domain_hint`). */
          domainHint?: string;
          /** Scopes requested on top of `openid email offline_access user.read`. */
          additionalScopes?: string | string[];
          /** Skips reading the profile from Graph (the token then carries no `User.Read`). */
          skipUserProfile?: boolean;
          /** Overrides the redirect URI, `<backend base URL>/api/auth/microsoft/handler/frame` by default. */
          callbackUrl?: string;
          /** How long a session lasts, e.g. `{ hours: 8 }`. */
          sessionDuration?: { [unit: string]: number } | string;
          signIn?: {
            resolvers: Array<{ resolver: string; [option: string]: unknown }>;
          };
        };
      };
    };
  };
}
