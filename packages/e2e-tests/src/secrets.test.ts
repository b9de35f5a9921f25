/*
 * Only secret values are redacted from the logs (issue 8, item 2): the
 * values of credential variables never reach the output, even when a
 * request carries them, while an org name stays readable where Backstage
 * logs it. Redacting every declared value turned `Reading GitHub users and
 * teams for org: acme` into `... for org: ***`.
 */
import {
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  FakeGithub,
  oauthAppOfBackend,
  startFakeGithub,
} from '@devportal/test-utils/src/fakes/github';

jest.setTimeout(240_000);

const ORG = 'acme';
const PAT = 'ghp_redactMe0123456789abcdefABCDEF0123';
const CLIENT_ID = 'Iv1.redaction0123456';
const CLIENT_SECRET = 'gh-oauth-client-secret-redactMe-Zq9';

describe('secret redaction', () => {
  let github: FakeGithub | undefined;

  afterEach(async () => {
    await github?.stop();
  });

  it('hides credential values from every log line and keeps the org readable', async () => {
    const port = await freePort();
    github = await startFakeGithub({
      org: ORG,
      pat: PAT,
      oauthApp: oauthAppOfBackend(port, {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      }),
      users: [{ login: 'ana', name: 'Ana Lima' }],
      members: ['ana'],
    });
    const backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'github-auth',
        ...github.presetsEnv,
      },
    });
    try {
      await backend.waitForReady(180_000);
      // The org sync names its org: a non-secret value, shown as set.
      await backend.waitForOutput(
        new RegExp(`Reading GitHub users and teams for org: ${ORG}\\b`),
        120_000,
      );

      // The access log prints request URLs: secrets in them come out masked,
      // the org next to them does not.
      await fetch(
        `${backend.baseUrl}/.backstage/health/v1/readiness?org=${ORG}-payments&probe=${PAT}&other=${CLIENT_SECRET}`,
      );
      await backend.waitForOutput(
        new RegExp(
          `readiness\\?org=${ORG}-payments&probe=\\*\\*\\*&other=\\*\\*\\*`,
        ),
      );

      const output = backend.output();
      expect(output).not.toContain(PAT);
      expect(output).not.toContain(CLIENT_SECRET);
      expect(output).not.toContain('redactMe');
      expect(output).not.toMatch(/for org: \*\*\*/);
    } finally {
      await backend.stop();
    }
  });
});
