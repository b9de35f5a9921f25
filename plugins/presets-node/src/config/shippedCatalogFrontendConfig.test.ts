import { resolve } from 'path';
import { ConfigSchema } from '@backstage/config-loader';
import { JsonObject } from '@backstage/types';
import { resolvePresets } from '@devportal/plugin-presets-common';
import {
  loadAppConfigSchema,
  readPresetFrontendConfig,
} from './presetFrontendConfig';

/*
 * The real thing end to end, minus the dev server: the shipped presets, the
 * repository's app-config.yaml and the schema of packages/app (the one the
 * dev server applies), for the selections an operator runs `yarn dev` with.
 */
const rootDir = resolve(__dirname, '../../../..');

const LDAP_SECRET = 'bind-password-never-in-the-browser';
const SESSION_SECRET = 'session-secret-never-in-the-browser';
const LDAP_ENV = {
  LDAP_URL: 'ldap://127.0.0.1:1389',
  LDAP_DN: 'cn=reader,dc=example,dc=com',
  LDAP_SECRET,
  AUTH_SESSION_SECRET: SESSION_SECRET,
  LDAP_USERS_BASE_DN: 'ou=people,dc=example,dc=com',
  LDAP_GROUPS_BASE_DN: 'ou=groups,dc=example,dc=com',
};

describe('readPresetFrontendConfig', () => {
  let schema: ConfigSchema;
  beforeAll(async () => {
    schema = await loadAppConfigSchema({ rootDir });
  }, 120_000);

  /** The frontend config of `yarn dev` (APP_BASE_URL set to the dev server). */
  async function frontendConfig(
    env: Record<string, string>,
    argv: string[] = [],
  ): Promise<JsonObject> {
    const fullEnv = {
      PATH: process.env.PATH,
      APP_BASE_URL: 'http://localhost:3000',
      ...env,
    };
    const resolution = resolvePresets({
      env: fullEnv,
      rootDir,
      pluginsFrom: [resolve(rootDir, 'packages/backend')],
    });
    expect(resolution.problems).toEqual([]);
    return readPresetFrontendConfig({
      presets: resolution.presets,
      plugins: resolution.plugins,
      veecodeAppConfig: resolution.veecodeAppConfig,
      env: fullEnv,
      argv: ['node', 'dev', ...argv],
      rootDir,
      schema,
    });
  }

  it('production without an identity preset: guest turned off for the page', async () => {
    const config = await frontendConfig({ NODE_ENV: 'production' });
    expect(config.platform).toEqual({ guest: { enabled: false } });
  });

  it('ldap: the LDAP sign-in page, no guest, and no secret value', async () => {
    const config = await frontendConfig({
      VEECODE_PRESETS: 'ldap',
      ...LDAP_ENV,
    });
    expect(config.signInPage).toBe('ldap');
    expect(config.platform).toEqual({
      guest: { enabled: false },
      signInProviders: ['ldap'],
    });
    expect(config.app).toMatchObject({ baseUrl: 'http://localhost:3000' });
    const text = JSON.stringify(config);
    expect(text).not.toContain(LDAP_SECRET);
    expect(text).not.toContain(SESSION_SECRET);
    // Backend-only keys stay out (the bind DN is not a secret, but the
    // frontend has no business with it).
    expect(text).not.toContain(LDAP_ENV.LDAP_DN);
    expect(config).not.toHaveProperty('catalog');
  });

  it('oidc: the OIDC sign-in page with the button text OIDC_TITLE names, and no secret value', async () => {
    const clientSecret = 'oidc-client-secret-never-in-the-browser';
    const base = {
      VEECODE_PRESETS: 'oidc',
      OIDC_ISSUER_URL: 'https://sso.example.com/',
      OIDC_CLIENT_ID: 'devportal',
      OIDC_CLIENT_SECRET: clientSecret,
      AUTH_SESSION_SECRET: SESSION_SECRET,
    };
    const config = await frontendConfig({ ...base, OIDC_TITLE: 'Acme SSO' });
    expect(config.signInPage).toBe('oidc');
    expect(config.platform).toEqual({
      guest: { enabled: false },
      signInProviders: ['oidc'],
      signInTitle: 'Acme SSO',
    });
    const text = JSON.stringify(config);
    expect(text).not.toContain(clientSecret);
    expect(text).not.toContain(SESSION_SECRET);
    expect(text).not.toContain('sso.example.com');
    // Unset, the button says what the preset defaults to.
    expect(
      ((await frontendConfig(base)).platform as JsonObject).signInTitle,
    ).toBe('Single sign-on');
  });

  it('no preset: guest sign-in outside production, the tool pages off', async () => {
    const config = await frontendConfig({});
    expect(config.signInPage).toBeUndefined();
    // Guest allowed: nothing turns it off, the page offers the guest button.
    expect(config.platform).toBeUndefined();
    expect((config.app as JsonObject).extensions).toEqual(
      expect.arrayContaining([{ 'page:tech-radar': false }]),
    );
    expect(JSON.stringify(config)).not.toContain('"page:tech-radar":true');
  });

  it('recommended,ldap: the tech radar page on after the base list, and the LDAP sign-in', async () => {
    const config = await frontendConfig({
      VEECODE_PRESETS: 'recommended,ldap',
      ...LDAP_ENV,
    });
    expect(config.signInPage).toBe('ldap');
    const extensions = (config.app as JsonObject).extensions as JsonObject[];
    const radar = extensions.filter(e => 'page:tech-radar' in e);
    // The base config's entry first, the preset's after it: the later wins.
    expect(radar).toEqual([
      { 'page:tech-radar': false },
      { 'page:tech-radar': true },
    ]);
    expect(JSON.stringify(config)).not.toContain(LDAP_SECRET);
  });

  it('follows the operator’s own layers above the presets (APP_CONFIG_*)', async () => {
    const config = await frontendConfig({
      VEECODE_PRESETS: 'ldap',
      ...LDAP_ENV,
      APP_CONFIG_app_title: 'Operator Portal',
    });
    expect((config.app as JsonObject).title).toBe('Operator Portal');
  });
});
