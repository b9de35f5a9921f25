import request from 'supertest';
import {
  AuditorService,
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
} from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModulePresets from '@devportal/plugin-catalog-backend-module-presets';
import {
  ACME_DIRECTORY_PRESET,
  ACME_DIRECTORY_SOURCE,
  acmeDirectoryModule,
} from '@devportal/plugin-catalog-backend-module-presets/testUtils';
import { presetsTestServices } from '@devportal/plugin-presets-node/testUtils';
import { PendingSyncList } from '@devportal/plugin-presets-sync-common';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { presetsPlugin } from './presetsPlugin';

jest.setTimeout(60_000);

const SOURCE = ACME_DIRECTORY_SOURCE;
const PENDING = '/api/presets/sync/pending';
const APPROVE = `${PENDING}/${encodeURIComponent(SOURCE)}/approve`;
const REJECT = `${PENDING}/${encodeURIComponent(SOURCE)}/reject`;
const ADMIN = 'user:default/admin';
const asAdmin = { Authorization: mockCredentials.user.header(ADMIN) };
const asUser = {
  Authorization: mockCredentials.user.header('user:default/dev'),
};
const asService = { Authorization: mockCredentials.service.header() };

/** The people the directory holds at the next run. */
let people: string[] = [];

/** Where the catalog says the directory's entities come from; it processes none without. */
const LOCATION = 'url:https://directory.acme.test/';
const annotations = {
  'backstage.io/managed-by-location': LOCATION,
  'backstage.io/managed-by-origin-location': LOCATION,
};

/** An org source whose every run returns `people` and one group. */
const directoryModule = acmeDirectoryModule(() => [
  ...people.map(name => ({
    locationKey: 'acme',
    entity: {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name, annotations },
      spec: { memberOf: ['staff'] },
    },
  })),
  {
    locationKey: 'acme',
    entity: {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'staff', annotations },
      spec: { type: 'team', children: [] },
    },
  },
]);

/** What the auditor was told: event ids, meta and how each ended. */
function recordingAuditor() {
  const events: Array<{
    eventId: string;
    meta: unknown;
    outcome?: 'success' | 'fail';
    final?: unknown;
  }> = [];
  const auditor = mockServices.auditor.mock({
    createEvent: (async options => {
      const event: (typeof events)[number] = {
        eventId: options.eventId,
        meta: options.meta,
      };
      events.push(event);
      return {
        success: async (done?: { meta?: unknown }) => {
          event.outcome = 'success';
          event.final = done?.meta;
        },
        fail: async () => {
          event.outcome = 'fail';
        },
      };
    }) as AuditorService['createEvent'],
  });
  return { events, factory: auditor.factory };
}

/**
 * What a policy that gives the admin every permission decides; Backstage's
 * permission client allows services whatever the policy.
 */
function allowed(credentials: BackstageCredentials): boolean {
  const principal = credentials.principal as
    | BackstageUserPrincipal
    | BackstageServicePrincipal;
  return (
    principal.type === 'service' ||
    (principal.type === 'user' && principal.userEntityRef === ADMIN)
  );
}

describe('/api/presets/sync/pending with the real catalog', () => {
  const mockDir = createMockDirectory();
  let backend: TestBackend;
  let runSync: () => Promise<void>;
  let audit: ReturnType<typeof recordingAuditor>;

  beforeEach(() => {
    mockDir.setContent(ACME_DIRECTORY_PRESET);
  });

  afterEach(async () => {
    await backend?.stop();
  });

  /**
   * The real catalog with our module and the acme directory, the presets
   * plugin; the permission framework on (a policy that allows the admin
   * alone this permission) or off.
   */
  async function start(permissionEnabled: boolean) {
    const scheduler = mockServices.scheduler.mock();
    audit = recordingAuditor();
    const permissions = mockServices.permissions.mock({
      authorize: async (requests, { credentials }) =>
        requests.map(() => ({
          result: allowed(credentials)
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
        })),
      // The catalog's reads: everyone may read.
      authorizeConditional: async requests =>
        requests.map(() => ({ result: AuthorizeResult.ALLOW })),
    });
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModulePresets,
        directoryModule,
        presetsPlugin(() => []),
        ...presetsTestServices({
          env: {
            VEECODE_PRESETS: 'acme-directory',
            VEECODE_PRESETS_PATH: mockDir.path,
            APP_CONFIG_permission_enabled: String(permissionEnabled),
            // The catalog's default rules take components and APIs only.
            APP_CONFIG_catalog_rules: JSON.stringify([
              { allow: ['User', 'Group'] },
            ]),
          },
          rootDir: FIXTURE_CATALOG_ROOT,
        }),
        scheduler.factory,
        audit.factory,
        permissions.factory,
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
      ],
    });
    runSync = async () => {
      const call = scheduler.scheduleTask.mock.calls.find(
        ([task]) => task.id === `${SOURCE}:refresh`,
      );
      await call![0].fn(new AbortController().signal);
    };
  }

  /** The users in the catalog, once it processed what it was given. */
  async function catalogUsers(expected: string[]): Promise<string[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await request(backend.server)
        .get('/api/catalog/entities?filter=kind=user')
        .set(asService);
      const names = (res.body as Array<{ metadata: { name: string } }>)
        .map(e => e.metadata.name)
        .sort();
      if (JSON.stringify(names) === JSON.stringify(expected)) {
        return names;
      }
      if (Date.now() > deadline) {
        return names;
      }
      await new Promise(r => setTimeout(r, 200));
    }
  }

  /** Syncs a directory of five, then one of one, which the guard refuses and holds. */
  async function refuseACollapse() {
    people = ['ana', 'bea', 'cid', 'dan', 'eva'];
    await runSync();
    expect(await catalogUsers(people)).toEqual(people);
    people = ['ana'];
    await runSync();
  }

  it('lists a refused run to signed-in users and services, and lets the admin approve it: the catalog then holds exactly its entities', async () => {
    await start(true);
    expect((await request(backend.server).get(PENDING)).status).toBe(401);
    expect(
      (await request(backend.server).get(PENDING).set(asUser)).body,
    ).toEqual({ items: [] });

    await refuseACollapse();
    const listed = await request(backend.server).get(PENDING).set(asUser);
    expect(listed.status).toBe(200);
    expect(listed.body as PendingSyncList).toEqual({
      items: [
        {
          provider: SOURCE,
          refusedAt: expect.any(String),
          reason: expect.stringContaining(
            'the source returned 1 users where the last sync had 5',
          ),
          users: { last: 5, now: 1 },
          groups: { last: 1, now: 1 },
          removed: [
            'user:default/bea',
            'user:default/cid',
            'user:default/dan',
            'user:default/eva',
          ],
          added: [],
        },
      ],
    });
    expect(
      (await request(backend.server).get(PENDING).set(asService)).status,
    ).toBe(200);

    expect((await request(backend.server).post(APPROVE)).status).toBe(401);
    const denied = await request(backend.server).post(APPROVE).set(asUser);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain(
      'needs the permission presets.sync.approve',
    );
    expect(
      await catalogUsers(['ana', 'bea', 'cid', 'dan', 'eva']),
    ).toHaveLength(5);

    const approved = await request(backend.server).post(APPROVE).set(asAdmin);
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({
      provider: SOURCE,
      outcome: 'approved',
      users: { last: 5, now: 1 },
      groups: { last: 1, now: 1 },
    });
    expect(await catalogUsers(['ana'])).toEqual(['ana']);
    expect(
      (await request(backend.server).get(PENDING).set(asUser)).body,
    ).toEqual({ items: [] });
    expect(audit.events).toContainEqual({
      eventId: 'org-sync-approved',
      meta: { provider: SOURCE, approver: ADMIN },
      outcome: 'success',
      final: {
        provider: SOURCE,
        approver: ADMIN,
        users: { last: 5, now: 1 },
        groups: { last: 1, now: 1 },
        removed: 4,
        added: 0,
      },
    });
    expect(audit.events).toContainEqual(
      expect.objectContaining({
        eventId: 'org-sync-approved',
        meta: { provider: SOURCE, approver: 'user:default/dev' },
        outcome: 'fail',
      }),
    );

    // Approved once: nothing is pending any more, and the same directory
    // passes the guard at the next run.
    const again = await request(backend.server).post(APPROVE).set(asAdmin);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toContain(
      `${SOURCE}: no refused run is pending`,
    );
    await runSync();
    expect(
      (await request(backend.server).get(PENDING).set(asUser)).body,
    ).toEqual({ items: [] });
  });

  it('lets the admin reject a refused run: the catalog keeps its entities', async () => {
    await start(true);
    await refuseACollapse();
    const rejected = await request(backend.server).post(REJECT).set(asAdmin);
    expect(rejected.status).toBe(200);
    expect(rejected.body.outcome).toBe('rejected');
    expect(
      (await request(backend.server).get(PENDING).set(asUser)).body,
    ).toEqual({ items: [] });
    expect(
      await catalogUsers(['ana', 'bea', 'cid', 'dan', 'eva']),
    ).toHaveLength(5);
    expect(audit.events).toContainEqual(
      expect.objectContaining({
        eventId: 'org-sync-rejected',
        outcome: 'success',
        meta: { provider: SOURCE, approver: ADMIN },
      }),
    );
  });

  it('names an unknown provider in a 404', async () => {
    await start(true);
    const res = await request(backend.server)
      .post(`${PENDING}/${encodeURIComponent('Nobody:default')}/approve`)
      .set(asAdmin);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      `No org sync named Nobody:default runs in this backend (org syncs: ${SOURCE})`,
    );
  });

  it('lets only a service approve while the permission framework is off', async () => {
    await start(false);
    await refuseACollapse();
    const denied = await request(backend.server).post(APPROVE).set(asAdmin);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toBe(
      `Only a service token may approve or reject org syncs while the permission framework is off (permission.enabled); ${ADMIN} is a user`,
    );
    expect((await request(backend.server).post(REJECT)).status).toBe(401);
    const approved = await request(backend.server).post(APPROVE).set(asService);
    expect(approved.status).toBe(200);
    expect(await catalogUsers(['ana'])).toEqual(['ana']);
    expect(audit.events).toContainEqual(
      expect.objectContaining({
        eventId: 'org-sync-approved',
        outcome: 'success',
        meta: {
          provider: SOURCE,
          approver: mockCredentials.service().principal.subject,
        },
      }),
    );
  });
});
