/*
 * The rbac preset end to end: permissions from the synced org. A real slapd
 * (and, for `keycloak,rbac`, the test OpenID provider) holds the people and
 * groups, the backend is started with the README's command, and people
 * sign in and call the catalog and the permission plugin with their own
 * tokens.
 */
import { ldapToken as signInToken } from '@devportal/test-utils/src/backend/ldapSignIn';
import { auditEvents } from '@devportal/test-utils/src/backend/auditEvents';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendProcess,
  runToExit,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  catalogEntitiesOfKind,
  componentCatalogFile,
  entityNames,
  externalAccessEnv,
  relationRefs,
  runProviderRefresh,
  triggerTask,
  waitForCatalog,
  waitForEntitiesOfKind,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  SlapdServer,
  slapdFixture,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';
import {
  closeServer,
  listenOnLoopback,
} from '@devportal/test-utils/src/fakes/http';
import { FakeKeycloak } from '@devportal/test-utils/src/fakes/keycloak';
import { startAcmePortal } from '@devportal/test-utils/src/fakes/keycloak/acmeRealm';
import { withFreshBrowser } from '@devportal/test-utils/src/browser/chromium';
import { oidcSignIn } from '@devportal/test-utils/src/fakes/keycloak/oidcSignIn';

jest.setTimeout(400_000);

const SUFFIX = 'dc=example,dc=com';
const ROOT_DN = `cn=admin,${SUFFIX}`;
const ROOT_PASSWORD = 'admin-secret-Rb4';
const LDAP_ORG_SYNC = 'LdapOrgEntityProvider:default';
const POLICY_FILE = slapdFixture('rbac-policy.csv');
/** What RBAC_ADMINS grants, as the permission plugin lists it: everything. */
const ADMIN_POLICY = {
  entityReference: 'role:default/rbac_admin',
  permission: '*',
  policy: '*',
  effect: 'allow',
  metadata: { source: 'configuration' },
};

function ldapEnv(slapd: SlapdServer): Record<string, string> {
  return {
    LDAP_URL: slapd.url,
    LDAP_DN: ROOT_DN,
    LDAP_SECRET: ROOT_PASSWORD,
    LDAP_USERS_BASE_DN: `ou=people,${SUFFIX}`,
    LDAP_GROUPS_BASE_DN: `ou=groups,${SUFFIX}`,
  };
}

/** Signs in with LDAP bind (the fixture's passwords are `<uid>-password`). */
function ldapToken(backend: BackendProcess, username: string) {
  return signInToken(backend, username, `${username}-password`);
}

async function get(backend: BackendProcess, path: string, token?: string) {
  const res = await fetch(`${backend.baseUrl}${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

/** The names of the catalog entities a person may list with their token. */
async function visibleEntities(
  backend: BackendProcess,
  token: string,
): Promise<{ status: number; names: string[] }> {
  const { status, body } = await get(backend, '/api/catalog/entities', token);
  return {
    status,
    names: Array.isArray(body)
      ? body
          .map((e: any) => `${e.kind}:${e.metadata.name}`.toLowerCase())
          .sort()
      : [],
  };
}

/** Applies an LDIF change to the running slapd, as a directory admin does. */
function ldapModify(slapd: SlapdServer, ldif: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      '/usr/bin/ldapmodify',
      ['-x', '-H', slapd.url, '-D', ROOT_DN, '-w', ROOT_PASSWORD],
      (error, _stdout, stderr) =>
        error ? reject(new Error(`ldapmodify failed: ${stderr}`)) : resolve(),
    );
    child.stdin!.end(ldif);
  });
}

/**
 * A developer's repository: files served over loopback HTTP as a Git
 * host serves raw files. The backend may read it (`backend.reading.allow`),
 * as it reads any integration host where developers push what they like.
 */
interface Repository {
  /** The `backend.reading.allow` entry for it, as an APP_CONFIG_ variable. */
  readingEnv: Record<string, string>;
  /** Puts a file in the repository and returns its URL. */
  put(path: string, content: string): string;
  stop(): Promise<void>;
}

async function startRepository(): Promise<Repository> {
  const files = new Map<string, string>();
  const server = createServer((req, res) => {
    const content = files.get(req.url ?? '');
    res.writeHead(content === undefined ? 404 : 200, {
      'Content-Type': 'text/yaml',
    });
    res.end(content ?? 'not found');
  });
  const port = await listenOnLoopback(server);
  const host = `127.0.0.1:${port}`;
  return {
    readingEnv: {
      APP_CONFIG_backend_reading_allow: JSON.stringify([{ host }]),
    },
    put(path, content) {
      files.set(path, content);
      return `http://${host}${path}`;
    },
    stop: () => closeServer(server),
  };
}

/**
 * The attack of issue 15: a developer, who may register locations, writes
 * a Group under the admin group into a file of their own, names
 * themselves a member, and registers it.
 */
function selfMadeAdminGroup(repo: Repository, member: string): string {
  return repo.put(
    `/${member}/deputies.yaml`,
    [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Group',
      'metadata:',
      '  name: rbac-admins-deputies',
      'spec:',
      '  type: team',
      '  parent: group:default/rbac-admins',
      '  children: []',
      `  members: [user:default/${member}]`,
      '',
    ].join('\n'),
  );
}

/** `POST /api/catalog/locations` with the person's own token, as the register page does. */
async function registerLocation(
  backend: BackendProcess,
  token: string,
  target: string,
  options: { dryRun?: boolean } = {},
): Promise<{ status: number; text: string }> {
  const query = options.dryRun ? '?dryRun=true' : '';
  const res = await fetch(`${backend.baseUrl}/api/catalog/locations${query}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ type: 'url', target }),
  });
  return { status: res.status, text: await res.text() };
}

/** `DELETE` of a catalog entity by its uid, with the person's own token. */
async function unregisterUser(
  backend: BackendProcess,
  token: string,
  name: string,
): Promise<number> {
  const users = await catalogEntitiesOfKind(backend, 'user');
  const uid = users.find(u => u.metadata.name === name)?.metadata.uid;
  expect(uid).toBeDefined();
  const res = await fetch(
    `${backend.baseUrl}/api/catalog/entities/by-uid/${uid}`,
    { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } },
  );
  await res.text();
  return res.status;
}

/** The rbac.test portal: slapd seeded with rbac.ldif, and `ldap,rbac` reading the repository. */
interface RbacPortal {
  slapd: SlapdServer;
  backend: BackendProcess;
  repo: Repository;
  stop(): Promise<void>;
}

/**
 * Starts slapd, a developer's repository and `ldap,rbac` with the test
 * policy (engineering is one level above platform and sre), and waits for
 * the org sync: every test of this file signs in to such a portal.
 */
async function startRbacPortal(
  env: Record<string, string> = {},
): Promise<RbacPortal> {
  const repo = await startRepository();
  const slapd = await startSlapd({
    suffix: SUFFIX,
    rootDn: ROOT_DN,
    rootPassword: ROOT_PASSWORD,
    seedLdif: slapdFixture('rbac.ldif'),
  });
  const backend = await startBackendProcess({
    env: {
      VEECODE_PRESETS: 'ldap,rbac',
      ...ldapEnv(slapd),
      RBAC_ADMINS: 'group:default/rbac-admins',
      RBAC_POLICIES_FILE: POLICY_FILE,
      RBAC_MAX_DEPTH: '1',
      ...repo.readingEnv,
      ...externalAccessEnv(),
      ...env,
    },
  });
  // A loaded machine (and an install npm start may run first) needs time.
  await backend.waitForReady(240_000);
  await waitForCatalog(backend, (users, groups) => {
    const sam = users.find(u => u.metadata.name === 'sam');
    return (
      users.length >= 5 &&
      groups.length >= 4 &&
      !!sam &&
      relationRefs(sam, 'memberOf').includes('group:default/sre')
    );
  });
  return {
    slapd,
    backend,
    repo,
    async stop() {
      await backend.stop();
      await slapd.remove();
      await repo.stop();
    },
  };
}

describe('rbac with VEECODE_PRESETS=ldap,rbac', () => {
  let portal: RbacPortal;
  let slapd: SlapdServer;
  let backend: BackendProcess;
  let repo: Repository;

  beforeAll(async () => {
    portal = await startRbacPortal();
    ({ slapd, backend, repo } = portal);
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('lets a member of the admin group read the effective policies, and nobody else', async () => {
    const admin = await get(
      backend,
      '/api/permission/policies',
      await ldapToken(backend, 'alice'),
    );
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual(
      expect.arrayContaining([
        ADMIN_POLICY,
        {
          entityReference: 'role:default/reader',
          permission: 'catalog-entity',
          policy: 'read',
          effect: 'allow',
          metadata: { source: 'csv-file' },
        },
      ]),
    );
    const roles = await get(
      backend,
      '/api/permission/roles',
      await ldapToken(backend, 'alice'),
    );
    expect(roles.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'role:default/reader',
          memberReferences: ['group:default/engineering', 'group:default/sre'],
        }),
      ]),
    );

    const member = await get(
      backend,
      '/api/permission/policies',
      await ldapToken(backend, 'pia'),
    );
    expect(member.status).toBe(403);
    expect((await get(backend, '/api/permission/policies')).status).toBe(401);
  });

  // After the reads above.
  it("audits the admin's reads of the policies, and a member's refused read", () => {
    const reads = auditEvents(backend.output()).filter(
      e => e.eventId === 'rbac-policies-read' && e.status !== 'initiated',
    );
    // status, reader, what was read: alice's two reads, pia's refused one
    expect(
      reads.map(e => [
        e.status,
        (e.actor as { actorId?: string } | undefined)?.actorId,
        e.meta?.read,
      ]),
    ).toEqual([
      ['succeeded', 'user:default/alice', 'policies'],
      ['succeeded', 'user:default/alice', 'roles'],
      ['failed', 'user:default/pia', 'policies'],
    ]);
    for (const read of reads) {
      expect(read).toMatchObject({
        plugin: 'permission',
        severityLevel: 'medium',
      });
    }
  });

  it('lets a person whose group holds a reading role list the catalog', async () => {
    const sam = await visibleEntities(backend, await ldapToken(backend, 'sam'));
    expect(sam.status).toBe(200);
    expect(sam.names).toEqual(
      expect.arrayContaining(['user:sam', 'group:sre', 'group:engineering']),
    );
  });

  it('passes a role granted to a parent group down to members of its child groups', async () => {
    // pia is in platform only; the role is granted to engineering above it.
    const pia = await visibleEntities(backend, await ldapToken(backend, 'pia'));
    expect(pia.status).toBe(200);
    expect(pia.names).toEqual(
      expect.arrayContaining(['user:pia', 'group:platform', 'user:nadia']),
    );
  });

  it('shows a person in no granted group nothing', async () => {
    const nadia = await visibleEntities(
      backend,
      await ldapToken(backend, 'nadia'),
    );
    expect([200, 403]).toContain(nadia.status);
    expect(nadia.names).toEqual([]);
  });

  it('refuses a group a developer registers under the admin group, with a catalog error for its author, and keeps them out of the admin role', async () => {
    const olga = await ldapToken(backend, 'olga');
    const attack = selfMadeAdminGroup(repo, 'olga');
    // The register page checks a location with a dry run first: that is
    // where its author reads why it cannot hold a Group.
    const dryRun = await registerLocation(backend, olga, attack, {
      dryRun: true,
    });
    expect(dryRun.status).toBe(400);
    expect(dryRun.text).toMatch(
      /Entity group:default\/rbac-admins-deputies at url:http:\/\/127\.0\.0\.1:\d+\/olga\/deputies\.yaml, .* is not of an allowed kind for that location/,
    );
    // Registered anyway, straight through the API, next to an honest
    // component (developers register components).
    expect((await registerLocation(backend, olga, attack)).status).toBe(201);
    const component = repo.put(
      '/olga/catalog-info.yaml',
      componentCatalogFile('olga-service', 'sre'),
    );
    expect((await registerLocation(backend, olga, component)).status).toBe(201);
    await waitForEntitiesOfKind(backend, 'component', cs =>
      cs.some(c => c.metadata.name === 'olga-service'),
    );
    // Past the policy's 5 s cache of olga's groups, read when she registered.
    await new Promise(r => setTimeout(r, 6_000));

    const { groups } = await waitForCatalog(backend, () => true);
    expect(entityNames(groups)).not.toContain('rbac-admins-deputies');
    const policies = await get(backend, '/api/permission/policies', olga);
    expect(policies.status).toBe(403);
    expect(await unregisterUser(backend, olga, 'alice')).toBe(403);
  });

  it('takes access away once the person is removed from the group in the directory and org sync has run', async () => {
    const before = await visibleEntities(
      backend,
      await ldapToken(backend, 'sam'),
    );
    expect(before.names.length).toBeGreaterThan(0);

    await ldapModify(
      slapd,
      [
        `dn: cn=sre,ou=groups,${SUFFIX}`,
        'changetype: modify',
        'delete: member',
        `member: uid=sam,ou=people,${SUFFIX}`,
        '',
      ].join('\n'),
    );
    await runProviderRefresh(backend, LDAP_ORG_SYNC, /applied/);
    await waitForCatalog(backend, users => {
      const sam = users.find(u => u.metadata.name === 'sam');
      return !!sam && relationRefs(sam, 'memberOf').length === 0;
    });

    // The next sign-in (and any request after the sync) has no role left.
    const deadline = Date.now() + 30_000;
    let after = await visibleEntities(backend, await ldapToken(backend, 'sam'));
    while (after.names.length > 0 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 1_000));
      after = await visibleEntities(backend, await ldapToken(backend, 'sam'));
    }
    expect(after.names).toEqual([]);
    expect(backend.output()).not.toContain(ROOT_PASSWORD);
  });
});

describe('rbac with catalog.rules widened to User and Group', () => {
  let portal: RbacPortal;
  let backend: BackendProcess;
  let repo: Repository;

  beforeAll(async () => {
    portal = await startRbacPortal({
      // An operator who widened the rules, as docs/security.md warns against.
      APP_CONFIG_catalog_rules: JSON.stringify([
        { allow: ['Component', 'API', 'Location', 'User', 'Group'] },
      ]),
    });
    ({ backend, repo } = portal);
  });

  afterAll(async () => {
    await portal?.stop();
  });

  it('ignores a registered group for permission decisions even where the catalog accepts it', async () => {
    const olga = await ldapToken(backend, 'olga');
    const attack = selfMadeAdminGroup(repo, 'olga');
    expect((await registerLocation(backend, olga, attack)).status).toBe(201);
    // The catalog takes it in, membership and parent included...
    await waitForCatalog(backend, users =>
      relationRefs(
        users.find(u => u.metadata.name === 'olga')!,
        'memberOf',
      ).includes('group:default/rbac-admins-deputies'),
    );
    // ...but the policy reads org data only from the org sync. It says so
    // once it has read olga's groups again (they are cached 5 s): until
    // then, and after, she is no admin.
    const ignored =
      'RBAC ignores group:default/rbac-admins-deputies for permission decisions';
    const deadline = Date.now() + 30_000;
    for (;;) {
      const seen = backend.output().includes(ignored);
      const policies = await get(backend, '/api/permission/policies', olga);
      expect(policies.status).toBe(403);
      if (seen || Date.now() > deadline) break;
      await new Promise(r => setTimeout(r, 1_000));
    }
    expect(backend.output()).toContain(ignored);
    expect(await unregisterUser(backend, olga, 'alice')).toBe(403);
    // The real admins keep their role.
    const admin = await get(
      backend,
      '/api/permission/policies',
      await ldapToken(backend, 'alice'),
    );
    expect(admin.status).toBe(200);
  });
});

describe('rbac refusals', () => {
  let slapd: SlapdServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'devportal-rbac-'));
    slapd = await startSlapd({
      suffix: SUFFIX,
      rootDn: ROOT_DN,
      rootPassword: ROOT_PASSWORD,
      seedLdif: slapdFixture('rbac.ldif'),
    });
  });

  afterAll(async () => {
    await slapd?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Boots `ldap,rbac` with the policy file given, to its exit. */
  const bootWithPolicyFile = (file: string) =>
    runToExit({
      env: {
        VEECODE_PRESETS: 'ldap,rbac',
        ...ldapEnv(slapd),
        RBAC_ADMINS: 'group:default/rbac-admins',
        RBAC_POLICIES_FILE: file,
      },
      timeoutMs: 120_000,
    });

  it('refuses rbac without an identity preset with 78: guests have no groups', async () => {
    const result = await runToExit({
      env: {
        VEECODE_PRESETS: 'rbac',
        RBAC_ADMINS: 'group:default/rbac-admins',
      },
      timeoutMs: 120_000,
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/identity/);
    expect(result.stderr).toContain(
      'guest users have no groups, so nothing could be granted',
    );
  });

  it('refuses a policy file it cannot parse with 78, naming file and line', async () => {
    const file = join(dir, 'broken-policy.csv');
    writeFileSync(
      file,
      [
        '# two good lines, then a typo',
        'p, role:default/reader, catalog-entity, read, allow',
        'g, group:default/engineering, role:default/reader',
        'p, role:default/reader, catalog-entity, raed, allow',
        '',
      ].join('\n'),
    );
    const result = await bootWithPolicyFile(file);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(
      `${file}:4: action "raed" is not one of read, create, update, delete, use`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr + result.stdout).not.toContain(ROOT_PASSWORD);
  });

  it('refuses a policy file it cannot read with 78, naming it', async () => {
    const file = join(dir, 'no-such-policy.csv');
    const result = await bootWithPolicyFile(file);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`the rbac policy file ${file}`);
    expect(result.stderr).toContain('ENOENT');
  });
});

describe('rbac with VEECODE_PRESETS=keycloak,rbac', () => {
  const clientSecret = 'kc-client-secret-Rb8';
  let keycloak: FakeKeycloak;
  let backend: BackendProcess;

  beforeAll(async () => {
    ({ keycloak, backend } = await startAcmePortal({
      presets: 'keycloak,rbac',
      clientSecret,
      // Admin through the parent group: ana is in engineering/platform.
      env: { RBAC_ADMINS: 'group:default/engineering' },
    }));
    // A loaded machine (and an install npm start may run first) needs time.
    await backend.waitForReady(240_000);
    await triggerTask(
      backend,
      'catalog',
      'KeycloakOrgEntityProvider:default:refresh',
    );
    await waitForCatalog(backend, (us, gs) => us.length >= 2 && gs.length >= 3);
  });

  afterAll(async () => {
    await backend?.stop();
    await keycloak?.stop();
  });

  /** Signs in on the provider's login form, in a browser of its own. */
  async function oidcToken(username: string, password: string) {
    const message = await withFreshBrowser(page =>
      oidcSignIn(page, { baseUrl: backend.baseUrl, username, password }),
    );
    return message.response.backstageIdentity.token as string;
  }

  it('lets a realm admin read the policies, and refuses anyone else', async () => {
    const admin = await get(
      backend,
      '/api/permission/policies',
      await oidcToken('ana', 'ana-pass-1'),
    );
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual([ADMIN_POLICY]);
    const other = await get(
      backend,
      '/api/permission/policies',
      await oidcToken('bruno', 'bruno-pass-1'),
    );
    expect(other.status).toBe(403);
    expect(backend.output()).not.toContain(clientSecret);
  });
});
