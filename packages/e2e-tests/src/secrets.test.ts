/*
 * Only secret values are redacted from the logs (issue 8, item 2): the
 * values of credential variables never reach the output, even when a
 * request carries them, while an org name stays readable where Backstage
 * logs it. Redacting every declared value turned `Reading GitHub users and
 * teams for org: acme` into `... for org: ***`.
 *
 * Config values the config schema marks `@visibility secret` (here
 * `auth.session.secret`, set by an APP_CONFIG_* variable, not a preset) are
 * redacted too, whether the backend compiled that schema at boot or read it
 * from its cache (packages/backend/src/configSchemaCache.ts): a first boot
 * on an empty cache folder, then a second on the cache the first wrote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
const SESSION_SECRET = 'session-secret-redactMe-Kp4';

describe('secret redaction', () => {
  let github: FakeGithub | undefined;
  let cacheDir: string | undefined;

  afterEach(async () => {
    await github?.stop();
    if (cacheDir) {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
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
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-cache-'));
    const env = {
      VEECODE_PRESETS: 'github-auth',
      ...github.presetsEnv,
      APP_CONFIG_auth_session_secret: SESSION_SECRET,
      CONFIG_SCHEMA_CACHE_DIR: cacheDir,
    };
    const backend = await startBackendProcess({ port, env });
    try {
      await backend.waitForReady(180_000);
      await backend.waitForOutput(/Config schema compiled and cached in/);
      // The org sync names its org: a non-secret value, shown as set.
      await backend.waitForOutput(
        new RegExp(`Reading GitHub users and teams for org: ${ORG}\\b`),
        120_000,
      );

      // The access log prints request URLs: secrets in them come out masked,
      // the org next to them does not.
      await fetch(
        `${backend.baseUrl}/.backstage/health/v1/readiness?org=${ORG}-payments&probe=${PAT}&other=${CLIENT_SECRET}&session=${SESSION_SECRET}`,
      );
      await backend.waitForOutput(
        new RegExp(
          `readiness\\?org=${ORG}-payments&probe=\\*\\*\\*&other=\\*\\*\\*&session=\\*\\*\\*`,
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

    // Warm: the schema comes from the cache the first boot wrote.
    const warm = await startBackendProcess({ port, env });
    try {
      await warm.waitForReady(180_000);
      await warm.waitForOutput(/Config schema read from cache/);
      await fetch(
        `${warm.baseUrl}/.backstage/health/v1/readiness?session=${SESSION_SECRET}&probe=${PAT}`,
      );
      await warm.waitForOutput(/readiness\?session=\*\*\*&probe=\*\*\*/);
      expect(warm.output()).not.toContain('redactMe');
      expect(warm.output()).not.toContain(PAT);
    } finally {
      await warm.stop();
    }
  });
});
