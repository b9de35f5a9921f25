import { deriveVariables } from './derivedVariables';

describe('deriveVariables', () => {
  describe('APP_BASE_URL', () => {
    it("is the backend's own URL when unset: the backend serves the app", () => {
      expect(deriveVariables({}).get('APP_BASE_URL')).toBe(
        'http://localhost:7007',
      );
      expect(
        deriveVariables({ BACKEND_BASE_URL: 'http://127.0.0.1:41234/' }).get(
          'APP_BASE_URL',
        ),
      ).toBe('http://127.0.0.1:41234');
      expect(
        deriveVariables({
          APP_BASE_URL: ' ',
          BACKEND_BASE_URL: 'https://x',
        }).get('APP_BASE_URL'),
      ).toBe('https://x');
    });

    it("keeps the operator's value", () => {
      expect(
        deriveVariables({
          APP_BASE_URL: 'http://localhost:3000/',
          BACKEND_BASE_URL: 'http://localhost:7007',
        }).get('APP_BASE_URL'),
      ).toBe('http://localhost:3000');
    });
  });
});
