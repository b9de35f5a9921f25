import { createApp } from '@backstage/frontend-defaults';
import { navModule } from './modules/nav';
import { presetsSignInModule } from '@devportal/plugin-presets';

/**
 * The DevPortal app. Its plugins are the frontend packages this package
 * depends on, discovered at build time (`app.packages: all`); which of
 * their extensions are on follows the backend's config at runtime
 * (`app.extensions`), so one bundle serves every preset selection.
 */
export default createApp({
  features: [navModule, presetsSignInModule],
});
