/**
 * @longRunning the image build comes first: Jest starts this file before
 * the files it has not timed yet (packages/test-utils/jestTestSequencer.cjs).
 *
 * The container image (packages/backend/Dockerfile) the way an operator
 * uses it: built once from the repository root on a Node 22 base image,
 * then `podman run` with VeeCode's variables. It serves the portal as a
 * user other than root with its state on a mounted volume and the config
 * schema its build compiled, refuses a bad selection with exit code 78,
 * runs on PostgreSQL with the operator's own preset, app-config and secret
 * file mounted, and stops cleanly on SIGTERM.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildPortalImage,
  PORTAL_IMAGE_UID,
  PortalContainer,
  removePortalImage,
  runPortalContainer,
  runPortalContainerToExit,
} from '@devportal/test-utils/src/container/portalImage';
import {
  PostgresServer,
  startPostgres,
} from '@devportal/test-utils/src/daemons/postgres';

// The image build, from nothing: a few minutes on a busy machine, more
// when the base image is made first.
jest.setTimeout(20 * 60_000);

/** How long the backend may drain requests in flight on SIGTERM (src/drainInFlightRequests.ts). */
const DRAIN_GRACE_MS = 20_000;

describe('the container image', () => {
  const containers: PortalContainer[] = [];
  const dirs: string[] = [];
  let postgres: PostgresServer | undefined;

  beforeAll(async () => {
    await buildPortalImage();
  });

  afterAll(async () => {
    for (const container of containers) {
      await container.stop();
    }
    await postgres?.remove();
    for (const dir of dirs) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await removePortalImage();
  });

  it('serves the portal with VEECODE_PRESETS=recommended as a user other than root, keeps its state on the mounted volume and stops on SIGTERM with exit code 0', async () => {
    // A volume the image's user may write, as an operator prepares one.
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-ctr-data-'));
    dirs.push(data);
    fs.chownSync(data, PORTAL_IMAGE_UID, PORTAL_IMAGE_UID);
    const portal = await runPortalContainer({
      env: { VEECODE_PRESETS: 'recommended' },
      volumes: { [data]: '/app/data' },
    });
    containers.push(portal);
    await portal.waitForReady();

    const health = await fetch(`${portal.baseUrl}/healthcheck`);
    expect(health.status).toBe(200);
    const page = await fetch(`${portal.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<div id="root">/);

    // The backend is the container's first process.
    const status = await portal.exec(['cat', '/proc/1/status']);
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    expect(uid).toBe(String(PORTAL_IMAGE_UID));
    const command = await portal.exec(['cat', '/proc/1/cmdline']);
    expect(command.split('\0')[0]).toBe('node');

    // The config schema the image build compiled, not compiled again.
    expect(portal.output()).toContain(
      'Config schema read from cache /app/node_modules/.cache/devportal/config-schema.json',
    );

    // DEVPORTAL_DB_PATH=/app/data: SQLite on disk, one file per plugin.
    expect(fs.readdirSync(data)).toEqual(
      expect.arrayContaining(['catalog.sqlite']),
    );

    const stopping = Date.now();
    await portal.signal('SIGTERM');
    const { code } = await portal.exited;
    expect(code).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(DRAIN_GRACE_MS);
  });

  it('refuses a bad selection with exit code 78 and the boot gate message on stderr', async () => {
    const result = await runPortalContainerToExit({
      env: { VEECODE_PRESETS: 'recommended,ldap' },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/require variables that are not set/);
    expect(result.stderr).toContain('LDAP_URL');
    expect(result.stdout).toBe('');
  });

  it('runs on PostgreSQL with a preset, an app-config and a secret file mounted, as docs/container-image.md shows', async () => {
    postgres = await startPostgres();
    const { POSTGRES_PASSWORD, ...postgresEnv } = postgres.presetEnv();
    const mounts = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-ctr-'));
    dirs.push(mounts);
    // A preset of the operator's own, on top of postgres.
    fs.mkdirSync(path.join(mounts, 'presets'));
    fs.writeFileSync(
      path.join(mounts, 'presets/acme-db.yaml'),
      [
        'name: acme-db',
        'description: Acme names its databases.',
        'version: 1.0.0',
        'requires:',
        '  presets: [postgres]',
        'appConfig:',
        '  backend:',
        '    database:',
        '      prefix: acme_preset_',
        '',
      ].join('\n'),
    );
    // The operator's app-config, the layer above the presets.
    fs.writeFileSync(
      path.join(mounts, 'app-config.local.yaml'),
      'backend:\n  database:\n    prefix: acme_local_\n',
    );
    // The password as a mounted secret, readable by the image's user.
    fs.writeFileSync(path.join(mounts, 'postgres-password'), POSTGRES_PASSWORD);
    fs.chmodSync(path.join(mounts, 'postgres-password'), 0o644);

    const portal = await runPortalContainer({
      env: {
        VEECODE_PRESETS: 'postgres,acme-db',
        VEECODE_PRESETS_PATH: '/presets',
        ...postgresEnv,
        POSTGRES_PASSWORD_FILE: '/run/secrets/postgres-password',
      },
      volumes: {
        [path.join(mounts, 'presets')]: '/presets:ro',
        [path.join(mounts, 'app-config.local.yaml')]:
          '/app/app-config.local.yaml:ro',
        [path.join(mounts, 'postgres-password')]:
          '/run/secrets/postgres-password:ro',
      },
    });
    containers.push(portal);
    await portal.waitForReady();
    expect((await fetch(`${portal.baseUrl}/healthcheck`)).status).toBe(200);
    const databases = (
      await postgres.query('SELECT datname FROM pg_database')
    ).map(([name]) => name);
    expect(databases).toContain('acme_local_catalog');
    expect(databases).not.toContain('acme_preset_catalog');
    expect(databases).not.toContain('backstage_plugin_catalog');
    expect(portal.output()).not.toContain(POSTGRES_PASSWORD);

    await portal.signal('SIGTERM');
    expect((await portal.exited).code).toBe(0);
  });
});
