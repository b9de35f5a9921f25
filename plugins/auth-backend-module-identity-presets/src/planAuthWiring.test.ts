import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { resolvePresetsOrThrow } from '@devportal/plugin-presets-common';
import {
  IdentityAuthProvider,
  PresetProviderRegistry,
} from '@devportal/plugin-preset-providers-node';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { planAuthWiring } from './planAuthWiring';
import { LDAP_PRESET_VARIABLES } from './__testUtils__/ldapEnv';

const ldapEnv = { VEECODE_PRESETS: 'ldap', ...LDAP_PRESET_VARIABLES };

const ldapIdentity = () =>
  resolvePresetsOrThrow({
    env: ldapEnv,
    rootDir: FIXTURE_CATALOG_ROOT,
  }).presets.find(p => p.name === 'ldap');

function provider(
  providerId: string,
  requiredConfig: string[] = [],
): IdentityAuthProvider {
  return {
    providerId,
    title: `${providerId} title`,
    module: 'test',
    requiredConfig,
    factory: () => ({ async start() {}, async frameHandler() {} }),
  };
}

const registry = () =>
  PresetProviderRegistry.create<IdentityAuthProvider>({
    configPath: ['auth', 'providers'],
    extensionPoint: 'identityAuthProvidersExtensionPoint',
    keyOf: p => p.providerId,
    builtin: [
      provider('ldap', ['ldapAuthenticationOptions.userSearchBase']),
      provider('github', ['clientId', 'clientSecret']),
      provider('gitlab', ['clientId', 'clientSecret']),
    ],
    added: [],
    logger: mockServices.logger.mock(),
  });

const ldapProvider = {
  production: {
    ldapAuthenticationOptions: { userSearchBase: 'ou=people' },
  },
};
const githubProvider = {
  production: { clientId: 'gh-client', clientSecret: 'gh-secret' },
};

function plan(identity: ReturnType<typeof ldapIdentity>, providers: object) {
  return planAuthWiring({
    identity,
    registry: registry(),
    config: new ConfigReader({
      auth: { environment: 'production', providers },
    }),
  });
}

const ids = (providers: IdentityAuthProvider[]) =>
  providers.map(p => p.providerId);

describe('planAuthWiring', () => {
  it('signs in with the identity preset’s provider and keeps the operator’s others as extra providers', () => {
    const result = plan(ldapIdentity(), {
      ldap: ldapProvider,
      github: githubProvider,
      guest: {},
    });
    expect(result.problems).toEqual([]);
    expect(ids(result.activate)).toEqual(['ldap']);
    expect(ids(result.auxiliary)).toEqual(['github']);
    // Guest sign-in never runs beside an identity preset.
    expect(result.ignored).toEqual(['guest']);
  });

  it('refuses a configured provider no module provides, naming its key and the known ones', () => {
    const result = plan(ldapIdentity(), {
      ldap: ldapProvider,
      githb: githubProvider,
    });
    expect(result.activate).toEqual([]);
    expect(result.auxiliary).toEqual([]);
    expect(result.problems).toEqual([
      expect.objectContaining({
        kind: 'invalid-config',
        message:
          'auth.providers.githb is configured, but no installed backend module provides an auth provider "githb"; available: ldap, github, gitlab',
        hint: expect.stringContaining(
          'remove auth.providers.githb from your app-config',
        ),
      }),
    ]);
  });

  it('refuses an unknown provider without an identity preset too, but not guest', () => {
    const result = plan(undefined, { guest: {}, acme: {} });
    expect(result.problems.map(p => p.message)).toEqual([
      expect.stringContaining(
        'auth.providers.acme is configured, but no installed backend module provides',
      ),
    ]);
  });

  it('names the missing key of an extra provider, as its own', () => {
    const result = plan(ldapIdentity(), {
      ldap: ldapProvider,
      github: { production: { clientId: 'gh-client' } },
    });
    expect(result.problems).toEqual([
      expect.objectContaining({
        message:
          'extra auth provider "github" (github title), configured beside identity preset "ldap", needs config key auth.providers.github.production.clientSecret, which is not set',
        hint: expect.stringContaining('remove auth.providers.github'),
      }),
    ]);
  });

  it('registers no extra provider without an identity preset: they are ignored, as there is no sign-in they could serve', () => {
    const result = plan(undefined, { github: githubProvider });
    expect(result.problems).toEqual([]);
    expect(result.activate).toEqual([]);
    expect(result.auxiliary).toEqual([]);
    expect(result.ignored).toEqual(['github']);
  });
});
