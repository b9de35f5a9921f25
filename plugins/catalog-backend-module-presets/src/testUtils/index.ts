/**
 * Test helpers for the presets catalog module: an org source a test
 * controls, added the way a third-party module adds one.
 *
 * @packageDocumentation
 */

export {
  ACME_DIRECTORY_PRESET,
  ACME_DIRECTORY_SOURCE,
  acmeDirectoryModule,
} from './acmeDirectory';
