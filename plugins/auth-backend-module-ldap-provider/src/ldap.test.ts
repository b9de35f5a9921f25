import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { Client } from 'ldapts';
import type { SlapdServer } from '@devportal/test-utils/src/daemons/slapd';
import { readLdapProviderConfig } from './config';
import { LdapCredentialsRejected, LdapDirectory } from './ldap';
import {
  AD_ROOT_DN,
  PEOPLE,
  ROOT_DN,
  ROOT_PASSWORD,
  startActiveDirectoryLookalike,
  startOpenLdap,
} from './__testUtils__/directory';

function directory(
  options: {
    url: string;
    adminDn?: string;
    userSearchBase?: string;
    usernameAttribute?: string;
    userSearchFilter?: string;
    starttls?: boolean;
    ca?: string;
  },
  logger = mockServices.logger.mock(),
) {
  const config = readLdapProviderConfig(
    new ConfigReader({
      production: {
        ldapAuthenticationOptions: {
          userSearchBase: options.userSearchBase ?? PEOPLE,
          usernameAttribute: options.usernameAttribute ?? 'uid',
          userSearchFilter: options.userSearchFilter,
          adminDn: options.adminDn ?? ROOT_DN,
          adminPassword: ROOT_PASSWORD,
          starttls: options.starttls,
          ldapOpts: {
            url: options.url,
            timeout: 5000,
            connectTimeout: 2000,
            tlsOptions: {
              rejectUnauthorized: true,
              ...(options.ca && { ca: options.ca }),
            },
          },
        },
      },
    }),
    'production',
  );
  return new LdapDirectory(config.directory, logger);
}

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(LdapCredentialsRejected);
  return (error as LdapCredentialsRejected).reason;
}

describe('LdapDirectory against OpenLDAP', () => {
  let slapd: SlapdServer;
  beforeAll(async () => {
    slapd = await startOpenLdap({ tls: true });
  }, 60_000);
  afterAll(async () => {
    await slapd?.remove();
  });
  afterEach(() => jest.restoreAllMocks());

  it('finds the user with the service account and binds as the user', async () => {
    const bind = jest.spyOn(Client.prototype, 'bind');
    const entry = await directory({ url: slapd.url }).authenticate(
      'ana',
      'ana-password',
    );
    expect(entry).toEqual({
      dn: `uid=ana,${PEOPLE}`,
      username: 'ana',
      attributes: expect.objectContaining({
        uid: ['ana'],
        cn: ['Ana Lima'],
        displayname: ['Ana Lima'],
        mail: ['ana@example.com'],
      }),
    });
    expect(bind.mock.calls.map(c => c[0])).toEqual([
      ROOT_DN,
      `uid=ana,${PEOPLE}`,
    ]);
  });

  it('keeps non-ASCII passwords intact', async () => {
    await expect(
      directory({ url: slapd.url }).authenticate('carla', 'Carla-pässwort 1'),
    ).resolves.toMatchObject({ dn: `uid=carla,${PEOPLE}` });
  });

  it("returns the directory's spelling of the username", async () => {
    await expect(
      directory({ url: slapd.url }).authenticate('ANA', 'ana-password'),
    ).resolves.toMatchObject({ username: 'ana' });
  });

  it('refuses an empty password before any bind', async () => {
    const bind = jest.spyOn(Client.prototype, 'bind');
    const connect = jest.spyOn(Client.prototype, 'search');
    expect(
      await rejection(directory({ url: slapd.url }).authenticate('ana', '')),
    ).toBe('empty-password');
    expect(bind).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  const ANA = `uid=ana,${PEOPLE}`;
  // A name that matches no single entry still costs a bind, as a DN that
  // cannot exist, so that it takes as long as a wrong password.
  const DECOY = expect.stringMatching(
    new RegExp(`^cn=devportal-sign-in-decoy-[0-9a-f]{24},${PEOPLE}$`),
  );
  it.each([
    ['wrong password', 'ana', 'nope', 'bind-rejected', [ROOT_DN, ANA]],
    ['unknown user', 'zoe', 'ana-password', 'no-entry', [ROOT_DN, DECOY]],
    [
      'ambiguous username',
      'frank',
      'frank-password',
      'ambiguous',
      [ROOT_DN, DECOY],
    ],
    ['wildcard', '*', 'ana-password', 'no-entry', [ROOT_DN, DECOY]],
    [
      'filter injection',
      'ana)(uid=*',
      'ana-password',
      'no-entry',
      [ROOT_DN, DECOY],
    ],
    [
      'filter injection',
      '*)(objectClass=*',
      'ana-password',
      'no-entry',
      [ROOT_DN, DECOY],
    ],
    [
      'filter injection',
      'ana)(|(uid=*',
      'ana-password',
      'no-entry',
      [ROOT_DN, DECOY],
    ],
    ['NUL byte', 'ana\u0000', 'ana-password', 'no-entry', [ROOT_DN, DECOY]],
    ['empty username', '', 'ana-password', 'empty-username', []],
  ])('refuses: %s (%j)', async (_, username, password, reason, boundAs) => {
    const bind = jest.spyOn(Client.prototype, 'bind');
    expect(
      await rejection(
        directory({ url: slapd.url }).authenticate(username, password),
      ),
    ).toBe(reason);
    expect(bind.mock.calls.map(c => c[0])).toEqual(boundAs);
  });

  it('applies userSearchFilter on top of the username match', async () => {
    const onlyTeamA = directory({
      url: slapd.url,
      userSearchFilter: '(memberOf=cn=team-a,ou=groups,dc=example,dc=com)',
    });
    await expect(
      onlyTeamA.authenticate('ana', 'ana-password'),
    ).resolves.toBeDefined();
    expect(
      await rejection(onlyTeamA.authenticate('bruno', 'bruno-password')),
    ).toBe('no-entry');
  });

  it('looks users up again without a password', async () => {
    const dir = directory({ url: slapd.url });
    await expect(dir.findUser('bruno')).resolves.toMatchObject({
      dn: `uid=bruno,${PEOPLE}`,
    });
    await expect(dir.findUser('frank')).resolves.toBeUndefined();
    await expect(dir.findUser('*')).resolves.toBeUndefined();
  });

  it('reports an unusable service account as unavailable, without its password', async () => {
    const logger = mockServices.logger.mock();
    const dir = directory(
      { url: slapd.url, adminDn: 'cn=nobody,dc=example,dc=com' },
      logger,
    );
    await expect(dir.authenticate('ana', 'ana-password')).rejects.toMatchObject(
      {
        name: 'ServiceUnavailableError',
      },
    );
    const logged = JSON.stringify(logger.error.mock.calls);
    expect(logged).toContain('cn=nobody,dc=example,dc=com');
    expect(logged).not.toContain(ROOT_PASSWORD);
    expect(logged).not.toContain('ana-password');
  });

  it('reports a wrong userSearchBase as unavailable', async () => {
    const dir = directory({
      url: slapd.url,
      userSearchBase: 'ou=nowhere,dc=example,dc=com',
    });
    await expect(dir.authenticate('ana', 'ana-password')).rejects.toMatchObject(
      {
        name: 'ServiceUnavailableError',
      },
    );
  });

  describe('TLS, with certificate verification', () => {
    it('signs in over ldaps:// with the CA trusted', async () => {
      await expect(
        directory({
          url: slapd.ldapsUrl!,
          ca: slapd.caCertificate,
        }).authenticate('ana', 'ana-password'),
      ).resolves.toMatchObject({ username: 'ana' });
    });

    it('signs in over StartTLS with the CA trusted', async () => {
      const startTLS = jest.spyOn(Client.prototype, 'startTLS');
      await expect(
        directory({
          url: slapd.url,
          starttls: true,
          ca: slapd.caCertificate,
        }).authenticate('ana', 'ana-password'),
      ).resolves.toMatchObject({ username: 'ana' });
      expect(startTLS).toHaveBeenCalledTimes(1);
    });

    it('verifies the host name against the certificate (localhost is in it too)', async () => {
      await expect(
        directory({
          url: slapd.ldapsUrl!.replace('127.0.0.1', 'localhost'),
          ca: slapd.caCertificate,
        }).authenticate('ana', 'ana-password'),
      ).resolves.toBeDefined();
    });

    // ldaps:// connects on the first bind, whose handshake fails before
    // anything is sent; StartTLS fails before any bind is attempted.
    it.each([
      ['ldaps://', false, 1],
      ['StartTLS', true, 0],
    ])(
      'refuses %s to a server whose certificate is not trusted',
      async (_, starttls, binds) => {
        const logger = mockServices.logger.mock();
        const bind = jest.spyOn(Client.prototype, 'bind');
        const dir = directory(
          { url: starttls ? slapd.url : slapd.ldapsUrl!, starttls },
          logger,
        );
        await expect(
          dir.authenticate('ana', 'ana-password'),
        ).rejects.toMatchObject({
          name: 'ServiceUnavailableError',
        });
        expect(bind).toHaveBeenCalledTimes(binds);
        expect(JSON.stringify(logger.error.mock.calls)).toMatch(/certificate/i);
      },
    );
  });

  it('reports a stopped server as unavailable, and works again after a restart', async () => {
    const dir = directory({ url: slapd.url });
    await slapd.stop();
    try {
      await expect(
        dir.authenticate('ana', 'ana-password'),
      ).rejects.toMatchObject({
        name: 'ServiceUnavailableError',
      });
    } finally {
      await slapd.start();
    }
    await expect(
      dir.authenticate('ana', 'ana-password'),
    ).resolves.toBeDefined();
  });
});

describe('LdapDirectory against an Active-Directory-shaped directory', () => {
  let ad: SlapdServer;
  beforeAll(async () => {
    ad = await startActiveDirectoryLookalike();
  }, 60_000);
  afterAll(async () => {
    await ad?.remove();
  });

  const adDirectory = () =>
    directory({
      url: ad.url,
      adminDn: AD_ROOT_DN,
      userSearchBase: 'dc=corp,dc=example,dc=com',
      usernameAttribute: 'sAMAccountName',
      userSearchFilter:
        '(&(objectClass=user)(!(objectClass=computer))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
    });

  it('signs in by sAMAccountName, whatever the DN looks like', async () => {
    await expect(
      adDirectory().authenticate('bruno', 'bruno-password'),
    ).resolves.toMatchObject({
      dn: 'cn=Costa\\2C Bruno,ou=Staff,dc=corp,dc=example,dc=com',
      username: 'bruno',
      attributes: expect.objectContaining({ displayname: ['Bruno Costa'] }),
    });
    await expect(
      adDirectory().authenticate('Ana', 'ana-password'),
    ).resolves.toMatchObject({
      username: 'ana',
    });
  });

  it('refuses disabled accounts and computer accounts through userSearchFilter', async () => {
    expect(
      await rejection(adDirectory().authenticate('dora', 'dora-password')),
    ).toBe('no-entry');
    expect(await rejection(adDirectory().authenticate('WS01$', 'x'))).toBe(
      'no-entry',
    );
  });
});
