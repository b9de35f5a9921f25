import path from 'path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  catalogProcessingExtensionPoint,
  EntityProvider,
} from '@backstage/plugin-catalog-node';
import {
  presetsServiceFactory,
  resolvePresetsOrThrow,
} from '@devportal/plugin-presets-node';
import catalogModuleIdentityPresets from './index';

const repoRoot = path.resolve(__dirname, '../../..');

const config = {
  catalog: {
    providers: {
      ldapOrg: {
        default: {
          target: 'ldap://127.0.0.1:1',
          bind: { dn: 'cn=admin,dc=example,dc=com', secret: 'secret' },
          users: [
            {
              dn: 'ou=people,dc=example,dc=com',
              options: { filter: '(uid=*)' },
            },
          ],
          groups: [
            {
              dn: 'ou=groups,dc=example,dc=com',
              options: { filter: '(cn=*)' },
            },
          ],
          schedule: { frequency: { minutes: 60 }, timeout: { minutes: 15 } },
        },
      },
      keycloakOrg: {
        default: {
          baseUrl: 'http://127.0.0.1:1',
          loginRealm: 'master',
          realm: 'acme',
          clientId: 'portal',
          clientSecret: 'secret',
        },
      },
    },
  },
};

async function providersFor(env: Record<string, string>) {
  const added: string[] = [];
  const resolution = resolvePresetsOrThrow({ env, rootDir: repoRoot });
  const backend = await startTestBackend({
    extensionPoints: [
      [
        catalogProcessingExtensionPoint,
        {
          addEntityProvider: (
            ...providers: Array<EntityProvider | EntityProvider[]>
          ) =>
            void added.push(...providers.flat().map(p => p.getProviderName())),
          addProcessor: () => {},
          addPlaceholderResolver: () => {},
          setOnProcessingErrorHandler: () => {},
        },
      ],
    ],
    features: [
      catalogModuleIdentityPresets,
      presetsServiceFactory({ resolution }),
      mockServices.rootConfig.factory({ data: config }),
    ],
  });
  await backend.stop();
  return added;
}

describe('catalogModuleIdentityPresets', () => {
  it('adds only the org provider of the selected identity preset', async () => {
    const added = await providersFor({
      VEECODE_PRESETS: 'ldap',
      LDAP_URL: 'ldap://127.0.0.1:1',
      LDAP_DN: 'cn=admin,dc=example,dc=com',
      LDAP_SECRET: 'secret',
      LDAP_USERS_BASE_DN: 'ou=people,dc=example,dc=com',
      LDAP_GROUPS_BASE_DN: 'ou=groups,dc=example,dc=com',
    });
    expect(added).toEqual(['LdapOrgEntityProvider:default']);
  });

  it('adds the Keycloak org provider for the keycloak preset', async () => {
    const added = await providersFor({
      VEECODE_PRESETS: 'keycloak',
      KEYCLOAK_BASE_URL: 'http://127.0.0.1:1',
      KEYCLOAK_REALM: 'acme',
      KEYCLOAK_CLIENT_ID: 'portal',
      KEYCLOAK_CLIENT_SECRET: 'secret',
      AUTH_SESSION_SECRET: 'a-session-secret-of-enough-length',
    });
    expect(added).toEqual(['KeycloakOrgEntityProvider:default']);
  });

  it('adds no org provider without an identity preset, whatever the config holds', async () => {
    expect(await providersFor({ VEECODE_PRESETS: 'recommended' })).toEqual([]);
  });
});
