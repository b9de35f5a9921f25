import {
  createFrontendPlugin,
  createRouteRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import TuneIcon from '@material-ui/icons/Tune';

/**
 * The route of the presets page, for links to it from elsewhere.
 *
 * @public
 */
export const presetsRouteRef = createRouteRef();

/**
 * `/presets`: what the selected presets set up. Its route ref gives it a
 * nav item ("Presets"): the app's nav lists pages that have one.
 *
 * @public
 */
export const presetsPage = PageBlueprint.make({
  params: {
    path: '/presets',
    title: 'Presets',
    icon: <TuneIcon fontSize="inherit" />,
    routeRef: presetsRouteRef,
    loader: () =>
      import('./presetsPage/PresetsPage').then(m => <m.PresetsPage />),
  },
});

/**
 * The presets plugin of the app: the `/presets` page, with its nav item.
 *
 * @public
 */
export const presetsPlugin = createFrontendPlugin({
  pluginId: 'presets',
  title: 'Presets',
  routes: { root: presetsRouteRef },
  extensions: [presetsPage],
});
