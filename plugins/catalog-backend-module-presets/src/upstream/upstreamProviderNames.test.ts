import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { KeycloakOrgEntityProvider } from '@backstage-community/plugin-catalog-backend-module-keycloak';
import { GithubEntityProvider } from '@backstage/plugin-catalog-backend-module-github';
import {
  GitlabDiscoveryEntityProvider,
  GitlabOrgDiscoveryEntityProvider,
} from '@backstage/plugin-catalog-backend-module-gitlab';
import { LdapOrgEntityProvider } from '@backstage/plugin-catalog-backend-module-ldap';
import { MicrosoftGraphOrgEntityProvider } from '@backstage/plugin-catalog-backend-module-msgraph';
import { EntityProvider } from '@backstage/plugin-catalog-node';
import { configIdOf, refreshTaskIdOf } from './upstreamProviderNames';
import { manualTaskRunner } from './taskRunners';

/** Each upstream provider the module builds, configured under the id `acme`; every endpoint on a closed loopback port. */
const config = new ConfigReader({
  integrations: {
    gitlab: [
      {
        host: '127.0.0.1:9',
        apiBaseUrl: 'http://127.0.0.1:9/api/v4',
        baseUrl: 'http://127.0.0.1:9',
        token: 'glpat-test',
      },
    ],
  },
  catalog: {
    providers: {
      ldapOrg: {
        acme: {
          target: 'ldap://127.0.0.1:9',
          users: [{ dn: 'ou=people,dc=example,dc=com' }],
          groups: [{ dn: 'ou=groups,dc=example,dc=com' }],
        },
      },
      keycloakOrg: {
        acme: {
          baseUrl: 'http://127.0.0.1:9',
          loginRealm: 'acme',
          realm: 'acme',
          clientId: 'portal',
          clientSecret: 'kc-secret',
        },
      },
      microsoftGraphOrg: {
        acme: {
          target: 'https://127.0.0.1:9/v1.0',
          authority: 'https://127.0.0.1:9',
          tenantId: '00000000-0000-0000-0000-000000000000',
          clientId: 'entra-client',
          clientSecret: 'entra-secret',
        },
      },
      github: { acme: { organization: 'acme' } },
      gitlab: {
        acme: { host: '127.0.0.1:9', group: 'acme', orgEnabled: true },
      },
    },
  },
});

const logger = mockServices.logger.mock();

describe('what the module assumes of upstream providers', () => {
  it.each<[string, () => EntityProvider[]]>([
    [
      'LdapOrgEntityProvider',
      () =>
        LdapOrgEntityProvider.fromConfig(config, {
          logger,
          schedule: 'manual',
        }),
    ],
    [
      'KeycloakOrgEntityProvider',
      () =>
        KeycloakOrgEntityProvider.fromConfig(
          { config, logger },
          { schedule: manualTaskRunner },
        ),
    ],
    [
      'MicrosoftGraphOrgEntityProvider',
      () =>
        MicrosoftGraphOrgEntityProvider.fromConfig(config, {
          logger,
          schedule: 'manual',
        }),
    ],
    [
      'GithubEntityProvider',
      () =>
        GithubEntityProvider.fromConfig(config, {
          logger,
          schedule: manualTaskRunner,
        }),
    ],
    [
      'GitlabDiscoveryEntityProvider',
      () =>
        GitlabDiscoveryEntityProvider.fromConfig(config, {
          logger,
          schedule: manualTaskRunner,
        }),
    ],
    [
      'GitlabOrgDiscoveryEntityProvider',
      () =>
        GitlabOrgDiscoveryEntityProvider.fromConfig(config, {
          logger,
          schedule: manualTaskRunner,
        }),
    ],
  ])('%s names itself after the id of its config block', (_name, create) => {
    const providers = create();
    expect(providers).toHaveLength(1);
    expect(configIdOf(providers[0].getProviderName())).toBe('acme');
  });

  it('GitlabOrgDiscoveryEntityProvider hands its task runner the refresh task under the id we run it by', async () => {
    const scheduled: string[] = [];
    const [provider] = GitlabOrgDiscoveryEntityProvider.fromConfig(config, {
      logger,
      schedule: {
        async run(task) {
          scheduled.push(task.id);
        },
      },
    });
    await provider.connect({
      applyMutation: async () => {},
      refresh: async () => {},
    });
    expect(scheduled).toEqual([refreshTaskIdOf(provider.getProviderName())]);
  });
});
