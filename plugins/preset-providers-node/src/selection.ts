import { IDENTITY_GROUP, Preset } from '@devportal/plugin-presets-common';
import { PresetsService } from '@devportal/plugin-presets-node';

/** The selected identity preset, if any. @public */
export function selectedIdentityPreset(
  presets: PresetsService,
): Preset | undefined {
  return presets.selectedInGroup(IDENTITY_GROUP);
}
