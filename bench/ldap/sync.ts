/*
 * One LDAP org sync, timed in its own process, printed as one JSON line:
 *
 *   presets   our guarded provider: the catalog module of the `ldap`
 *             preset (@devportal/plugin-catalog-backend-module-presets)
 *             booted with startTestBackend on the preset's config, its
 *             scheduled task run once;
 *   upstream  upstream's LdapOrgEntityProvider configured by hand with the
 *             same settings, `read()` once.
 *
 * Both apply their result to a recording EntityProviderConnection, so what
 * is compared is the sync and not the catalog's processing of it.
 *
 *   LDAP_URL=... LDAP_DN=... LDAP_SECRET=... LDAP_USERS_BASE_DN=... \
 *   LDAP_GROUPS_BASE_DN=... node -r <nodeTransform> bench/ldap/sync.ts presets|upstream
 */
import { resolve } from 'path';
import {
  coreServices,
  createServiceFactory,
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskFunction,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import {
  catalogProcessingExtensionPoint,
  EntityProvider,
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { LdapOrgEntityProvider } from '@backstage/plugin-catalog-backend-module-ldap';
import { startTestBackend } from '@backstage/backend-test-utils';
import { resolvePresetsOrThrow } from '@devportal/plugin-presets-common';
import {
  presetsRootConfigServiceFactory,
  presetsServiceFactory,
} from '@devportal/plugin-presets-node';
import catalogModulePresets from '@devportal/plugin-catalog-backend-module-presets';

const root = resolve(__dirname, '../..');
const env = (name: string) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`bench/ldap/sync.ts: set ${name}`);
  }
  return value;
};

/** Keeps what a sync applied: counts by kind. */
class RecordingConnection implements EntityProviderConnection {
  users = 0;
  groups = 0;
  applied = 0;
  async applyMutation(mutation: EntityProviderMutation): Promise<void> {
    this.applied += 1;
    const entities =
      mutation.type === 'full' ? mutation.entities : mutation.added;
    this.users = entities.filter(e => e.entity.kind === 'User').length;
    this.groups = entities.filter(e => e.entity.kind === 'Group').length;
  }
  async refresh(): Promise<void> {}
}

/** Warnings and errors only, so a failed sync says why. */
const logger: LoggerService = {
  error: (m: string) => process.stderr.write(`error: ${m}\n`),
  warn: (m: string) => process.stderr.write(`warn: ${m}\n`),
  info: () => {},
  debug: () => {},
  child: () => logger,
};

/** Samples the heap while a sync runs: the peak above where it started. */
function heapWatch() {
  const start = process.memoryUsage().heapUsed;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return (peak - start) / 1048576;
  };
}

/** The ldapOrg block the `ldap` preset writes, written out by hand. */
function handWrittenConfig() {
  return new ConfigReader({
    catalog: {
      providers: {
        ldapOrg: {
          default: {
            target: env('LDAP_URL'),
            bind: { dn: env('LDAP_DN'), secret: env('LDAP_SECRET') },
            users: [
              {
                dn: env('LDAP_USERS_BASE_DN'),
                options: {
                  filter: '(objectClass=inetOrgPerson)',
                  scope: 'sub',
                },
                map: {
                  rdn: 'uid',
                  name: 'uid',
                  displayName: 'cn',
                  email: 'mail',
                  memberOf: 'memberOf',
                },
              },
            ],
            groups: [
              {
                dn: env('LDAP_GROUPS_BASE_DN'),
                options: { filter: '(objectClass=groupOfNames)', scope: 'sub' },
                map: {
                  rdn: 'cn',
                  name: 'cn',
                  description: 'description',
                  displayName: 'cn',
                  memberOf: 'memberOf',
                  members: 'member',
                },
              },
            ],
          },
        },
      },
    },
  });
}

async function upstreamSync(connection: RecordingConnection) {
  const [provider] = LdapOrgEntityProvider.fromConfig(handWrittenConfig(), {
    logger,
    schedule: 'manual',
  });
  await provider.connect(connection);
  return () => provider.read({ logger });
}

/** A scheduler that hands back the task instead of running it on a timer. */
function capturingScheduler(tasks: Map<string, SchedulerServiceTaskFunction>) {
  const scheduler: Partial<SchedulerService> = {
    async scheduleTask(task) {
      tasks.set(task.id, task.fn);
    },
    async triggerTask() {},
    async getScheduledTasks() {
      return [];
    },
  };
  return createServiceFactory({
    service: coreServices.scheduler,
    deps: {},
    factory: () => scheduler as SchedulerService,
  });
}

async function presetsSync(connection: RecordingConnection) {
  const resolution = resolvePresetsOrThrow({
    env: {
      VEECODE_PRESETS: 'ldap',
      BACKEND_PORT: '0',
      ...Object.fromEntries(
        [
          'LDAP_URL',
          'LDAP_DN',
          'LDAP_SECRET',
          'LDAP_USERS_BASE_DN',
          'LDAP_GROUPS_BASE_DN',
        ].map(name => [name, env(name)]),
      ),
    },
    rootDir: root,
  });
  const providers: EntityProvider[] = [];
  const tasks = new Map<string, SchedulerServiceTaskFunction>();
  await startTestBackend({
    features: [
      catalogModulePresets,
      presetsRootConfigServiceFactory({ resolution, argv: [] }),
      presetsServiceFactory({ resolution }),
      capturingScheduler(tasks),
    ],
    extensionPoints: [
      [
        catalogProcessingExtensionPoint,
        { addEntityProvider: (...p: any[]) => providers.push(...p.flat()) },
      ],
    ],
  });
  if (providers.length !== 1) {
    throw new Error(`expected one provider, got ${providers.length}`);
  }
  await providers[0].connect(connection);
  const task = tasks.get(`${providers[0].getProviderName()}:refresh`);
  if (!task) {
    throw new Error('the ldap preset scheduled no sync');
  }
  return () => task(new AbortController().signal) as Promise<void>;
}

async function main() {
  const mode = process.argv[2];
  if (mode !== 'presets' && mode !== 'upstream') {
    throw new Error('usage: sync.ts presets|upstream');
  }
  const connection = new RecordingConnection();
  const sync =
    mode === 'presets'
      ? await presetsSync(connection)
      : await upstreamSync(connection);
  const heap = heapWatch();
  const started = process.hrtime.bigint();
  await sync();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const heapPeakMiB = heap();
  if (connection.applied !== 1) {
    throw new Error(`the ${mode} sync applied ${connection.applied} mutations`);
  }
  process.stdout.write(
    `${JSON.stringify({
      mode,
      ms,
      users: connection.users,
      groups: connection.groups,
      heapPeakMiB,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
  process.exit(0);
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
