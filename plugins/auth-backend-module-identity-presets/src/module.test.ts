import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { authProvidersExtensionPoint } from '@backstage/plugin-auth-node';
import {
  findPresetProblems,
  resolvePresetsOrThrow,
} from '@devportal/plugin-presets-common';
import { presetsServiceFactory } from '@devportal/plugin-presets-node';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { authModuleIdentityPresets } from './module';
import { LDAP_PRESET_VARIABLES } from './__testUtils__/ldapEnv';
import { acmeProviderModule } from './__testUtils__/acmeProvider';

const ldapEnv = LDAP_PRESET_VARIABLES;

async function start(options: {
  env: Record<string, string>;
  config: object;
  extra?: ReturnType<typeof createBackendModule>[];
}) {
  const registered: string[] = [];
  const resolution = resolvePresetsOrThrow({
    env: options.env,
    rootDir: FIXTURE_CATALOG_ROOT,
  });
  const backend = await startTestBackend({
    extensionPoints: [
      [
        authProvidersExtensionPoint,
        {
          registerProvider: (p: { providerId: string }) =>
            void registered.push(p.providerId),
        },
      ],
    ],
    features: [
      authModuleIdentityPresets,
      presetsServiceFactory({ resolution }),
      mockServices.rootConfig.factory({ data: options.config }),
      ...(options.extra ?? []),
    ],
  });
  await backend.stop();
  return { registered };
}

describe('authModuleIdentityPresets', () => {
  const ldapConfig = {
    auth: {
      environment: 'production',
      providers: {
        ldap: {
          production: {
            ldapAuthenticationOptions: {
              userSearchBase: 'ou=people,dc=example,dc=com',
              usernameAttribute: 'uid',
              adminDn: 'cn=admin,dc=example,dc=com',
              adminPassword: 'secret',
              ldapOpts: { url: 'ldap://127.0.0.1:1' },
            },
          },
        },
        github: { production: { clientId: 'x', clientSecret: 'y' } },
      },
    },
  };

  it('registers the provider of the selected identity preset, then the operator’s others as extra providers', async () => {
    const { registered } = await start({
      env: { VEECODE_PRESETS: 'ldap', ...ldapEnv },
      config: ldapConfig,
    });
    // The identity preset's first: it is the one that signs people in.
    expect(registered).toEqual(['ldap', 'github']);
  });

  it('registers nothing itself without an identity preset', async () => {
    const { registered } = await start({
      env: { VEECODE_PRESETS: 'recommended' },
      config: ldapConfig,
    });
    expect(registered).toEqual([]);
  });

  it('refuses startup naming preset, provider and key when required config is missing', async () => {
    const error = await start({
      env: { VEECODE_PRESETS: 'ldap', ...ldapEnv },
      config: {
        auth: {
          environment: 'production',
          providers: { ldap: { production: {} } },
        },
      },
    }).catch(e => e);
    const messages = (findPresetProblems(error) ?? []).map(p => p.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'identity preset "ldap": auth provider "ldap" (LDAP bind) needs config key auth.providers.ldap.production.ldapAuthenticationOptions.userSearchBase',
        ),
      ]),
    );
  });

  describe('with a preset of its own', () => {
    const mockDir = createMockDirectory();
    beforeEach(() => {
      mockDir.setContent({
        'acme-sso.yaml': [
          'name: acme-sso',
          'description: Acme single sign-on',
          'version: 1.0.0',
          'exclusive_group: identity',
          'appConfig:',
          '  auth:',
          '    providers:',
          '      acme:',
          '        production:',
          '          clientId: portal',
          '',
        ].join('\n'),
      });
    });
    const acmeConfig = {
      auth: {
        environment: 'production',
        providers: { acme: { production: { clientId: 'portal' } } },
      },
    };

    /** A module that adds the acme provider, as a preset author writes one. */
    const acmeModule = (moduleId: string) =>
      acmeProviderModule(moduleId, () => ({
        async start() {},
        async frameHandler() {},
      }));
    const acmeEnv = {
      VEECODE_PRESETS: 'acme-sso',
      VEECODE_PRESETS_PATH: mockDir.path,
    };

    it('registers a provider another module adds through the extension point', async () => {
      const { registered } = await start({
        env: acmeEnv,
        config: acmeConfig,
        extra: [acmeModule('acme-provider')],
      });
      expect(registered).toEqual(['acme']);
    });

    it('refuses startup naming both modules when two add the same provider id', async () => {
      const error = await start({
        env: acmeEnv,
        config: acmeConfig,
        extra: [acmeModule('acme-provider'), acmeModule('acme-provider-fork')],
      }).catch(e => e);
      const messages = (findPresetProblems(error) ?? []).map(p => p.message);
      expect(messages).toEqual([
        expect.stringMatching(
          /backend modules "acme-provider(-fork)?" and "acme-provider(-fork)?" both add a provider for auth\.providers\.acme/,
        ),
      ]);
      expect(messages[0]).toContain('acme-provider"');
      expect(messages[0]).toContain('acme-provider-fork"');
    });

    it('refuses startup when no module provides the provider the preset names', async () => {
      const error = await start({
        env: acmeEnv,
        config: acmeConfig,
      }).catch(e => e);
      const messages = (findPresetProblems(error) ?? []).map(p => p.message);
      expect(messages).toEqual(
        expect.arrayContaining([
          expect.stringContaining(
            'preset "acme-sso" names auth.providers.acme, but no backend module provides it',
          ),
        ]),
      );
    });
  });
});
