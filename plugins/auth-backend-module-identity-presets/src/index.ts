/**
 * Identity wiring for the auth plugin: registers the auth provider of the
 * selected identity preset, or guest sign-in when none is selected.
 *
 * @packageDocumentation
 */
import { createBackendFeatureLoader } from '@backstage/backend-plugin-api';
import { guestSignInPolicy } from '@devportal/plugin-presets-common';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import { selectedIdentityPreset } from '@devportal/plugin-preset-providers-node';
import { authModuleIdentityPresets } from './module';

/**
 * The identity module, plus guest sign-in when no identity preset is
 * selected and the process is not in production (NODE_ENV=production)
 * unless the operator opted in with DEVPORTAL_ALLOW_GUEST=true. Otherwise
 * the guest provider is not registered at all, whatever the config says.
 *
 * @public
 */
const identityPresetsAuthFeatures = createBackendFeatureLoader({
  deps: { presets: presetsServiceRef },
  *loader({ presets }) {
    yield authModuleIdentityPresets;
    if (
      !selectedIdentityPreset(presets) &&
      guestSignInPolicy(process.env).allowed
    ) {
      yield import('@backstage/plugin-auth-backend-module-guest-provider');
    }
  },
});

export default identityPresetsAuthFeatures;
