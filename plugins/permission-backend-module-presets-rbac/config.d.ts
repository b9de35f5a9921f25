export interface Config {
  permission?: {
    /**
     * Turns Backstage's permission framework on. The rbac preset sets it.
     */
    enabled?: boolean;
    /**
     * Role-based policy of the rbac preset
     * (`@devportal/plugin-permission-backend-module-presets-rbac`). The keys
     * keep the shape of Red Hat Developer Hub's RBAC plugin where they can.
     */
    rbac?: {
      /**
       * Who may do everything, including reading the effective policies at
       * `GET /api/permission/policies`.
       */
      admin?: {
        /**
         * Admin users or groups, as entity refs (`user:default/ana`,
         * `group:default/platform`). Unlike RHDH, a `name` may hold several
         * refs separated by commas, so one entry can carry a whole
         * variable (`name: ${ADMINS_VARIABLE}`).
         */
        users?: Array<{ name: string }>;
      };
      /**
       * Path of the policy CSV (`p, role:default/dev, catalog-entity, read,
       * allow` and `g, group:default/sre, role:default/dev` lines). A
       * relative path is resolved against the directory the backend was
       * started from (`npm start`'s working directory). Unset, only admins
       * (and owners, with `ownersEditOwned`) are allowed anything.
       */
      'policies-csv-file'?: string;
      /**
       * How many levels of parent groups above a person's own groups pass
       * their roles down (0: a person's own groups only). Unset: every
       * level.
       */
      maxDepth?: number;
      /**
       * When true, a person may update and delete (refresh, unregister)
       * the catalog entities they own, directly or through one of their
       * groups, even without a role that grants it. Not an RHDH key.
       */
      ownersEditOwned?: boolean;
    };
  };
}
