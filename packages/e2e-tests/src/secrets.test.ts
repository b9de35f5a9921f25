/*
 * Values of variables declared by selected presets never reach the logs,
 * even when a request carries them.
 */
import { startBackendProcess } from './harness/backendProcess';

jest.setTimeout(120_000);

describe('secret redaction', () => {
  it('redacts preset variable values from every log line', async () => {
    const token = 'ghp_redactMe0123456789abcdef';
    const backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'github',
        GITHUB_PAT: token,
        GITHUB_ORG: 'acme-org-redaction-check',
      },
    });
    try {
      await backend.waitForReady();
      // The access log prints request URLs: a value in the URL must come out masked.
      await fetch(
        `${backend.baseUrl}/.backstage/health/v1/readiness?probe=${token}`,
      );
      await backend.waitForOutput(/readiness\?probe=\*\*\*/);
      expect(backend.output()).not.toContain(token);
    } finally {
      await backend.stop();
    }
  });
});
