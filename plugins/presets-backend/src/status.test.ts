import request from 'supertest';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  PresetSyncRun,
  presetSyncStatusServiceRef,
} from '@devportal/plugin-preset-providers-node';
import {
  getAsUser,
  startPresetsBackend,
} from './__testUtils__/startPresetsBackend';

const ORG = 'AcmeOrgEntityProvider:default';
const DISCOVERY = 'AcmeDiscoveryProvider:main';

/**
 * Stands in for the auth and catalog modules: another plugin that writes to
 * the shared root service, as the real ones do when they register a
 * sign-in provider and from their scheduled runs.
 */
function syncWriter(runs: PresetSyncRun[]) {
  return createBackendPlugin({
    pluginId: 'sync-writer',
    register(reg) {
      reg.registerInit({
        deps: { syncStatus: presetSyncStatusServiceRef },
        async init({ syncStatus }) {
          syncStatus.registerAuthProvider({ id: 'acme', title: 'Acme OIDC' });
          syncStatus.register({ provider: ORG, kind: 'org' });
          syncStatus.register({ provider: DISCOVERY, kind: 'discovery' });
          runs.forEach(run => syncStatus.record(run));
        },
      });
    },
  });
}

describe('GET /api/presets/status', () => {
  const mockDir = createMockDirectory();

  beforeEach(() => {
    mockDir.clear();
    mockDir.addContent({
      'presets/acme-sso.yaml': [
        'name: acme-sso',
        'description: Acme single sign-on',
        'version: 2.1.0',
        'exclusive_group: identity',
        'requires:',
        '  variables:',
        '    ACME_SSO_SECRET:',
        '      description: client secret',
        '      required: true',
        'appConfig:',
        '  auth:',
        '    providers:',
        '      acme:',
        '        production:',
        '          clientSecret: ${ACME_SSO_SECRET}',
        '',
      ].join('\n'),
      'presets/plain.yaml': [
        'name: plain',
        'description: nothing special',
        'version: 1.0.0',
        '',
      ].join('\n'),
    });
  });

  function start(selection: string, runs: PresetSyncRun[] = []) {
    return startPresetsBackend({
      selection,
      presetsPath: mockDir.resolve('presets'),
      env: { ACME_SSO_SECRET: 'very-secret-value-9f3' },
      features: [syncWriter(runs)],
    });
  }

  it('lists presets with versions, the registered sign-in provider, and sources never run', async () => {
    const backend = await start('plain,acme-sso');
    try {
      const res = await getAsUser(backend, '/api/presets/status');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        presets: [
          { name: 'plain', version: '1.0.0' },
          { name: 'acme-sso', version: '2.1.0' },
        ],
        auth: {
          preset: 'acme-sso',
          providers: [{ id: 'acme', title: 'Acme OIDC' }],
        },
        sync: [
          {
            provider: ORG,
            kind: 'org',
            lastRun: 'never run',
            lastApplied: 'never run',
          },
          {
            provider: DISCOVERY,
            kind: 'discovery',
            lastRun: 'never run',
            lastApplied: 'never run',
          },
        ],
      });
      expect(res.text).not.toContain('very-secret-value-9f3');
    } finally {
      await backend.stop();
    }
  });

  it('reports guest sign-in when no identity preset is selected', async () => {
    const backend = await start('plain');
    try {
      const res = await getAsUser(backend, '/api/presets/status');
      expect(res.body.auth).toEqual({
        preset: null,
        providers: [{ id: 'guest', title: 'Guest sign-in' }],
      });
    } finally {
      await backend.stop();
    }
  });

  it('reports no sign-in in production without an identity preset or the guest opt-in', async () => {
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    const backend = await start('plain');
    try {
      const res = await getAsUser(backend, '/api/presets/status');
      expect(res.body.auth).toEqual({ preset: null, providers: [] });
    } finally {
      process.env.NODE_ENV = saved;
      await backend.stop();
    }
  });

  it('shows the last run and keeps the last applied one after a failure', async () => {
    const applied: PresetSyncRun = {
      provider: ORG,
      kind: 'org',
      startedAt: '2026-01-01T10:00:00.000Z',
      durationMs: 120,
      outcome: 'applied',
      counts: { users: 4, groups: 3, entities: 7 },
    };
    const failed: PresetSyncRun = {
      provider: ORG,
      kind: 'org',
      startedAt: '2026-01-01T11:00:00.000Z',
      durationMs: 15,
      outcome: 'failed',
    };
    const limited: PresetSyncRun = {
      provider: DISCOVERY,
      kind: 'discovery',
      startedAt: '2026-01-01T11:30:00.000Z',
      durationMs: 40,
      outcome: 'rate-limited',
    };
    const backend = await start('plain', [applied, failed, limited]);
    try {
      const res = await getAsUser(backend, '/api/presets/status');
      expect(res.body.sync).toEqual([
        {
          provider: ORG,
          kind: 'org',
          lastRun: {
            at: '2026-01-01T11:00:00.000Z',
            outcome: 'failed',
            durationMs: 15,
          },
          lastApplied: {
            at: '2026-01-01T10:00:00.000Z',
            outcome: 'applied',
            durationMs: 120,
            counts: { users: 4, groups: 3, entities: 7 },
          },
        },
        {
          provider: DISCOVERY,
          kind: 'discovery',
          lastRun: {
            at: '2026-01-01T11:30:00.000Z',
            outcome: 'rate-limited',
            durationMs: 40,
          },
          lastApplied: 'never run',
        },
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('answers only authenticated callers', async () => {
    const backend = await start('plain');
    try {
      const res = await request(backend.server).get('/api/presets/status');
      expect(res.status).toBe(401);
    } finally {
      await backend.stop();
    }
  });
});
