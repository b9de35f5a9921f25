export interface Config {
  presets?: {
    techRadar?: {
      /**
       * Sample tech radar data (the tech radar backend's JSON format) that a
       * preset ships, usually with `$include: ./data/tech-radar.json`;
       * served at `/api/presets/tech-radar/sample.json` for the tech radar
       * backend to read from this backend itself.
       */
      sample?: object;
    };
    /**
     * The guard in front of Backstage's OAuth 2.1 authorization server
     * (on when `auth.clientIdMetadataDocuments` or
     * `auth.experimentalDynamicClientRegistration` is enabled, as the
     * `mcp` preset does).
     */
    oauthServer?: {
      /**
       * How many dynamic client registrations (`POST /api/auth/v1/register`)
       * one client address may attempt per window; more are answered 429
       * with `Retry-After`. The address is the one Express sees: set
       * `backend.trustProxy` behind a reverse proxy, or every client
       * shares the proxy's address.
       */
      registrationLimit?: {
        /** Attempts per address and window. Default 20. */
        perAddress?: number;
        /** The window, in minutes. Default 60. */
        windowMinutes?: number;
      };
    };
  };
}
