/*
 * The shipped platform file (presets/platform/platform.yaml) derives the
 * values app-config.yaml and every preset read.
 */
import { resolve } from 'path';
import { readPlatformPreset } from '../catalog/platformPreset';
import { deriveVariables } from '../selection/derivedVariables';

const shippedDir = resolve(__dirname, '../../../../presets');
const platform = readPlatformPreset(shippedDir).preset!;

/** The platform's derived values for an environment. */
const platformValues = (env: Record<string, string | undefined>) =>
  deriveVariables(new Map(Object.entries(platform.derived)), env);

describe('the shipped platform file', () => {
  describe('APP_BASE_URL', () => {
    it("is the backend's own URL when unset: the backend serves the app", () => {
      expect(platformValues({}).get('APP_BASE_URL')).toBe(
        'http://localhost:7007',
      );
      expect(
        platformValues({ BACKEND_BASE_URL: 'http://127.0.0.1:41234/' }).get(
          'APP_BASE_URL',
        ),
      ).toBe('http://127.0.0.1:41234');
      expect(
        platformValues({
          APP_BASE_URL: ' ',
          BACKEND_BASE_URL: 'https://x',
        }).get('APP_BASE_URL'),
      ).toBe('https://x');
    });

    it("keeps the operator's value", () => {
      expect(
        platformValues({
          APP_BASE_URL: 'http://localhost:3000/',
          BACKEND_BASE_URL: 'http://localhost:7007',
        }).get('APP_BASE_URL'),
      ).toBe('http://localhost:3000');
    });
  });
});
