/*
 * Test servers and catalog contents matching the harness fixtures
 * (packages/test-utils/src/fixtures/openldap.ldif and ad.ldif).
 */
import type { Entity } from '@backstage/catalog-model';
import {
  readSlapdFixture,
  slapdFixture,
  startSlapd,
  SlapdServer,
} from '@devportal/test-utils/src/daemons/slapd';

export const ROOT_DN = 'cn=admin,dc=example,dc=com';
export const ROOT_PASSWORD = 'admin-secret';
export const PEOPLE = 'ou=people,dc=example,dc=com';

// Two entries with the same uid, to prove an ambiguous name never signs in.
const DUPLICATES = `
dn: cn=Frank One,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
cn: Frank One
sn: One
uid: frank
mail: frank@example.com
userPassword: frank-password

dn: cn=Frank Two,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
cn: Frank Two
sn: Two
uid: frank
mail: frank2@example.com
userPassword: frank-password
`;

export function startOpenLdap(
  options: { tls?: boolean } = {},
): Promise<SlapdServer> {
  return startSlapd({
    suffix: 'dc=example,dc=com',
    rootDn: ROOT_DN,
    rootPassword: ROOT_PASSWORD,
    seedLdif: `${readSlapdFixture('openldap.ldif')}\n${DUPLICATES}`,
    tls: options.tls,
  });
}

export const AD_ROOT_DN = 'cn=admin,dc=corp,dc=example,dc=com';

export function startActiveDirectoryLookalike(): Promise<SlapdServer> {
  return startSlapd({
    suffix: 'dc=corp,dc=example,dc=com',
    rootDn: AD_ROOT_DN,
    rootPassword: ROOT_PASSWORD,
    seedLdif: slapdFixture('ad.ldif'),
    schemas: [slapdFixture('ad.schema')],
  });
}

function user(
  name: string,
  email: string | undefined,
  groups: string[],
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'backstage.io/ldap-dn': `uid=${name},${PEOPLE}`,
      },
    },
    spec: { profile: email ? { email } : {}, memberOf: groups },
    relations: groups.map(g => ({
      type: 'memberOf',
      targetRef: `group:default/${g}`,
    })),
  };
}

function group(name: string, parent?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [], ...(parent && { parent }) },
  };
}

/**
 * The catalog as the LDAP org provider would build it from openldap.ldif,
 * except that dora has no User entity (she is in the directory only).
 */
export const catalogEntities: Entity[] = [
  user('ana', 'ana@example.com', ['team-a']),
  user('bruno', 'bruno@example.com', ['team-b']),
  user('carla', 'carla@example.com', ['engineering']),
  group('team-a', 'engineering'),
  group('team-b'),
  group('engineering'),
];
