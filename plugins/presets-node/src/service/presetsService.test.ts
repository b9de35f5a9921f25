import {
  RootLoggerService,
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import {
  PresetsConfigError,
  resolvePresets,
} from '@devportal/plugin-presets-common';
import {
  PresetsService,
  presetsServiceFactory,
  presetsServiceRef,
} from './presetsService';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';

const rootDir = FIXTURE_CATALOG_ROOT;
const SECRET = 's3cr3t-VALUE-123';

/** A tiny plugin that captures the presets service it is given. */
function capturingPlugin(captured: { service?: PresetsService }) {
  return createBackendPlugin({
    pluginId: 'presets-probe',
    register(reg) {
      reg.registerInit({
        deps: { presets: presetsServiceRef },
        async init({ presets }) {
          captured.service = presets;
        },
      });
    },
  });
}

/** A root logger that, like the default one, can redact values. */
function recordingRootLogger() {
  const lines: string[] = [];
  const redactions: string[] = [];
  const make = (
    meta: object,
  ): RootLoggerService & {
    addRedactions(values: Iterable<string>): void;
  } => {
    const log = (message: string) => {
      let text = `${JSON.stringify(meta)} ${message}`;
      for (const value of redactions) {
        text = text.split(value).join('***');
      }
      lines.push(text);
    };
    return {
      error: log,
      warn: log,
      info: log,
      debug: log,
      child: (more: object) => make({ ...meta, ...more }),
      addRedactions(values: Iterable<string>) {
        redactions.push(...values);
      },
    };
  };
  return {
    lines,
    redactions,
    factory: createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => make({}),
    }),
  };
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && chain.length < 20) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

describe('presetsService', () => {
  it('exposes the resolved selection to plugins', async () => {
    const captured: { service?: PresetsService } = {};
    const logger = recordingRootLogger();
    const env = {
      VEECODE_PRESETS: 'recommended,ldap,ldap-ad',
      LDAP_URL: 'ldaps://ldap.example.com',
      LDAP_DN: 'cn=reader',
      LDAP_SECRET: SECRET,
      LDAP_USERS_BASE_DN: 'ou=people',
      LDAP_GROUPS_BASE_DN: 'ou=groups',
    };
    const backend = await startTestBackend({
      features: [
        presetsServiceFactory({ env, rootDir }),
        logger.factory,
        capturingPlugin(captured),
      ],
    });
    try {
      const service = captured.service!;
      expect(service).toBeDefined();
      expect(service.presets.map(p => p.name)).toEqual([
        'recommended',
        'ldap',
        'ldap-ad',
      ]);
      expect(service.isSelected('ldap-ad')).toBe(true);
      expect(service.isSelected('github')).toBe(false);
      expect(service.selectedInGroup('identity')?.name).toBe('ldap');
      expect(service.selectedInGroup('nope')).toBeUndefined();

      const expected = resolvePresets({ env, rootDir });
      expect(service.plugins).toEqual(expected.plugins);
      expect(service.plugins.length).toBeGreaterThan(0);
      expect(service.plugins.every(p => p.preset === 'recommended')).toBe(true);

      // secret values are registered for redaction, other values are not
      expect(logger.redactions).toContain(SECRET);
      expect(logger.redactions).not.toContain('cn=reader');
      // the selection is logged with versions, without values
      const log = logger.lines.join('\n');
      expect(log).toContain('recommended@2.3.0');
      expect(log).toContain('ldap-ad@2.0.0');
      expect(log).not.toContain(SECRET);
    } finally {
      await backend.stop();
    }
  });

  it('logs how to pick presets when none is selected', async () => {
    const captured: { service?: PresetsService } = {};
    const logger = recordingRootLogger();
    const backend = await startTestBackend({
      features: [
        presetsServiceFactory({ env: {}, rootDir }),
        logger.factory,
        capturingPlugin(captured),
      ],
    });
    try {
      expect(captured.service?.presets).toEqual([]);
      expect(captured.service?.plugins).toEqual([]);
      expect(logger.lines.join('\n')).toContain('VEECODE_PRESETS');
    } finally {
      await backend.stop();
    }
  });

  it('uses a resolution handed over by the boot gate', async () => {
    const captured: { service?: PresetsService } = {};
    const resolution = resolvePresets({
      env: { VEECODE_PRESETS: 'mcp' },
      rootDir,
    });
    const backend = await startTestBackend({
      features: [
        // the env would be a problem; the given resolution is used instead
        presetsServiceFactory({
          resolution,
          env: { VEECODE_PRESETS: 'nope' },
          rootDir,
        }),
        capturingPlugin(captured),
      ],
    });
    try {
      expect(captured.service?.presets.map(p => p.name)).toEqual(['mcp']);
    } finally {
      await backend.stop();
    }
  });

  it('refuses startup with a PresetsConfigError (exit code 78) for a problematic selection', async () => {
    const captured: { service?: PresetsService } = {};
    const logger = recordingRootLogger();
    const error = await startTestBackend({
      features: [
        presetsServiceFactory({
          env: {
            VEECODE_PRESETS: 'github-auth,keycloak,nope',
            GITHUB_PAT: SECRET,
          },
          rootDir,
        }),
        logger.factory,
        capturingPlugin(captured),
      ],
    }).then(
      () => undefined,
      e => e,
    );

    expect(error).toBeInstanceOf(Error);
    expect(captured.service).toBeUndefined();
    const configError = causes(error).find(
      (e): e is PresetsConfigError => e instanceof PresetsConfigError,
    );
    expect(configError).toBeDefined();
    expect(configError!.name).toBe('PresetsConfigError');
    expect(configError!.exitCode).toBe(78);
    expect(configError!.problems.map(p => p.kind).sort()).toEqual([
      'exclusive-group',
      'missing-variables',
      'unknown-preset',
    ]);
    for (const e of causes(error)) {
      expect(String((e as Error).message)).not.toContain(SECRET);
    }
    expect(logger.lines.join('\n')).not.toContain(SECRET);
  });
});
