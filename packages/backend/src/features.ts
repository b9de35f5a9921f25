/*
 * What this backend always runs, in one place: what every Backstage 1.55
 * app's backend runs (the backend of `@backstage/create-app@0.9.2`), next
 * to the modules of this repository that follow the selected presets.
 *
 * The rest of create-app's backend comes with presets, because it needs
 * their systems or their data: the scaffolder (and its notifications
 * module) with `recommended`, its GitHub / GitLab / Azure publish modules
 * with the SCM presets, the Kubernetes backend with `kubernetes`, the MCP
 * actions backend with `mcp`, the permission backend with `rbac` (without
 * it the permission framework stays off, so create-app's allow-all policy
 * has nothing to do), PostgreSQL's search engine with `postgres` (on
 * SQLite the search plugin keeps its in-memory engine), and guest sign-in
 * from our identity module while no identity preset is selected.
 */
import { BackendFeature } from '@backstage/backend-plugin-api';

/** Imports one backend feature package, as `backend.add()` takes it. */
export type BackendFeatureImport = () => Promise<{ default: BackendFeature }>;

/**
 * The features this backend always has, by package name. A preset that
 * names one of them in its `plugins:` does not add it a second time (the
 * presets plugin loader is given these names), and
 * `/api/presets/plugins` lists them without a preset.
 *
 * @public
 */
export const BUILT_IN_FEATURES: Readonly<Record<string, BackendFeatureImport>> =
  {
    // The portal frontend (packages/app), served at the backend's own URL.
    '@backstage/plugin-app-backend': () =>
      import('@backstage/plugin-app-backend'),
    // `proxy.endpoints` of the config, under /api/proxy.
    '@backstage/plugin-proxy-backend': () =>
      import('@backstage/plugin-proxy-backend'),

    '@backstage/plugin-auth-backend': () =>
      import('@backstage/plugin-auth-backend'),
    // The selected identity preset's sign-in, or guest sign-in when none is.
    '@devportal/plugin-auth-backend-module-identity-presets': () =>
      import('@devportal/plugin-auth-backend-module-identity-presets'),

    '@backstage/plugin-catalog-backend': () =>
      import('@backstage/plugin-catalog-backend'),
    // Template entities, which the scaffolder of `recommended` runs.
    '@backstage/plugin-catalog-backend-module-scaffolder-entity-model': () =>
      import(
        '@backstage/plugin-catalog-backend-module-scaffolder-entity-model'
      ),
    // The selected presets' org sync and repository discovery.
    '@devportal/plugin-catalog-backend-module-presets': () =>
      import('@devportal/plugin-catalog-backend-module-presets'),

    // Builds and serves documentation (`techdocs.*`; `recommended` builds
    // it on this machine with mkdocs).
    '@backstage/plugin-techdocs-backend': () =>
      import('@backstage/plugin-techdocs-backend'),

    // Search, on its in-memory engine unless a preset registers another
    // (`postgres`: @backstage/plugin-search-backend-module-pg), indexing
    // the catalog and the built TechDocs.
    '@backstage/plugin-search-backend': () =>
      import('@backstage/plugin-search-backend'),
    '@backstage/plugin-search-backend-module-catalog': () =>
      import('@backstage/plugin-search-backend-module-catalog'),
    '@backstage/plugin-search-backend-module-techdocs': () =>
      import('@backstage/plugin-search-backend-module-techdocs'),

    '@backstage/plugin-user-settings-backend': () =>
      import('@backstage/plugin-user-settings-backend'),
    '@backstage/plugin-notifications-backend': () =>
      import('@backstage/plugin-notifications-backend'),
    // Pushes events (new notifications, ...) to signed-in browsers over a
    // WebSocket at /api/signals.
    '@backstage/plugin-signals-backend': () =>
      import('@backstage/plugin-signals-backend'),
  };
