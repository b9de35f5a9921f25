import {
  compatWrapper,
  convertLegacyPlugin,
  convertLegacyRouteRef,
} from '@backstage/core-compat-api';
import { PageBlueprint } from '@backstage/frontend-plugin-api';
import {
  TechRadarPage,
  techRadarPlugin as legacyTechRadarPlugin,
} from '@backstage-community/plugin-tech-radar';
import MyLocationIcon from '@material-ui/icons/MyLocation';

// Why a wrapper: every published @backstage-community/plugin-tech-radar
// (up to 1.14.0) builds its `/alpha` plugin with NavItemBlueprint, which
// @backstage/frontend-plugin-api removed in 0.17.0 (Backstage 1.55 ships
// 0.18.1). Importing that module fails, and with `app.packages: all` a
// failing discovered plugin takes every discovered plugin down with it. Its
// legacy exports (the page, the plugin with its API factory and route) work
// unchanged, so this plugin wraps them with Backstage's own compat helpers,
// with the extension ids the upstream alpha plugin has: `page:tech-radar`,
// `api:tech-radar`. Drop it for the upstream `/alpha` export once a release
// is built against frontend-plugin-api 0.17 or later.

/**
 * The tech radar page at `/tech-radar` (extension `page:tech-radar`, with its
 * nav item "Tech Radar") and the tech radar API (`api:tech-radar`), which
 * reads the tech radar backend's `/api/tech-radar/data`.
 *
 * @public
 */
export const techRadarPlugin = convertLegacyPlugin(legacyTechRadarPlugin, {
  extensions: [
    PageBlueprint.make({
      params: {
        path: '/tech-radar',
        routeRef: convertLegacyRouteRef(legacyTechRadarPlugin.routes.root),
        title: 'Tech Radar',
        icon: <MyLocationIcon fontSize="inherit" />,
        loader: async () => compatWrapper(<TechRadarPage />),
      },
    }),
  ],
});
