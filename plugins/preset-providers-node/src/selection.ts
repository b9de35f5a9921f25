import { Preset } from '@devportal/plugin-presets-common';
import { PresetsService } from '@devportal/plugin-presets-node';
import { IDENTITY_GROUP } from './extensionPoints';

/** The selected identity preset, if any. @public */
export function selectedIdentityPreset(
  presets: PresetsService,
): Preset | undefined {
  return presets.selectedInGroup(IDENTITY_GROUP);
}

/**
 * How a preset names the providers it activates; it lives in the preset
 * library, so `presets explain` reports with the very rule the modules use.
 */
export { keysNamedByPreset } from '@devportal/plugin-presets-common';
