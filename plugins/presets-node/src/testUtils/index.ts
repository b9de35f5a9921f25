/**
 * Test helpers for backends that run on DevPortal presets.
 *
 * @packageDocumentation
 */

export { presetsTestServices } from './presetsTestServices';
export type { PresetsTestServicesOptions } from './presetsTestServices';
