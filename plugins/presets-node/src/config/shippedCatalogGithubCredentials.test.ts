/*
 * The shipped github and github-auth presets give Backstage's GitHub
 * integration one credential: the PAT as `token`, or the GitHub App as
 * `apps[]`, never both and never an empty App entry.
 */
import { resolve } from 'path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { loadPresetConfig } from '../__testUtils__/loadDatabaseConfig';

/** The repository root, whose presets/ is the shipped catalog. */
const rootDir = resolve(__dirname, '../../../..');
const PRIVATE_KEY =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIE-test-key\n-----END RSA PRIVATE KEY-----';
const common = {
  VEECODE_PRESETS: 'github,github-auth',
  GITHUB_ORG: 'acme',
  GITHUB_AUTH_CLIENT_ID: 'Iv1.oauth',
  GITHUB_AUTH_CLIENT_SECRET: 'oauth-secret',
};
const app = {
  GITHUB_APP_ID: '123456',
  GITHUB_APP_CLIENT_ID: 'Iv23liApp',
  GITHUB_APP_CLIENT_SECRET: 'app-secret',
  GITHUB_APP_PRIVATE_KEY: PRIVATE_KEY,
};

describe('the shipped GitHub integration credentials', () => {
  it('is the PAT as token, without apps, when GITHUB_PAT is set', async () => {
    const { config } = await loadPresetConfig(rootDir, {
      ...common,
      GITHUB_PAT: 'ghp_test',
    });
    expect(config.get('integrations.github')).toEqual([
      {
        host: 'github.com',
        apiBaseUrl: 'https://api.github.com',
        token: 'ghp_test',
      },
    ]);
  });

  it('is the App as apps[], without token, when the GITHUB_APP_* variables are set', async () => {
    const { config, resolution } = await loadPresetConfig(rootDir, {
      ...common,
      ...app,
      GITHUB_APP_WEBHOOK_SECRET: 'hook-secret',
      GITHUB_BASE_URL: 'https://ghe.example.com',
    });
    expect(config.get('integrations.github')).toEqual([
      {
        host: 'ghe.example.com',
        apiBaseUrl: 'https://ghe.example.com/api/v3',
        apps: [
          {
            appId: '123456',
            clientId: 'Iv23liApp',
            clientSecret: 'app-secret',
            privateKey: PRIVATE_KEY,
            webhookSecret: 'hook-secret',
          },
        ],
      },
    ]);
    // Backstage reads the App ID as a number from the substituted text.
    expect(
      config
        .getConfigArray('integrations.github')[0]
        .getConfigArray('apps')[0]
        .getNumber('appId'),
    ).toBe(123456);
    // The credentials are redacted from logs; which one is used is not.
    expect(resolution.secrets).toEqual(
      expect.arrayContaining([PRIVATE_KEY, 'app-secret', 'hook-secret']),
    );
    expect(resolution.secrets).not.toContain('app');
  });

  it('reads the private key from GITHUB_APP_PRIVATE_KEY_FILE, the usual way, as the App set in full', async () => {
    const dir = createMockDirectory({
      content: { 'private-key.pem': `${PRIVATE_KEY}\n` },
    });
    const { GITHUB_APP_PRIVATE_KEY, ...appWithoutKey } = app;
    const { config, resolution } = await loadPresetConfig(rootDir, {
      ...common,
      ...appWithoutKey,
      GITHUB_APP_PRIVATE_KEY_FILE: dir.resolve('private-key.pem'),
    });
    expect(
      config
        .getConfigArray('integrations.github')[0]
        .getConfigArray('apps')[0]
        .getString('privateKey'),
    ).toBe(GITHUB_APP_PRIVATE_KEY);
    expect(
      config.getConfigArray('integrations.github')[0].getOptional('token'),
    ).toBeUndefined();
    expect(resolution.suppliedBy.GITHUB_APP_PRIVATE_KEY).toBe(
      'GITHUB_APP_PRIVATE_KEY_FILE',
    );
    expect(resolution.secrets).toContain(PRIVATE_KEY);
  });

  it('leaves out an unset webhook secret', async () => {
    const { config } = await loadPresetConfig(rootDir, { ...common, ...app });
    expect(
      config
        .getConfigArray('integrations.github')[0]
        .getConfigArray('apps')[0]
        .keys(),
    ).toEqual(['appId', 'clientId', 'clientSecret', 'privateKey']);
  });
});
