/*
 * Every shipped preset, and the combinations operators use, boots a real
 * backend with dummy values, even though none of the systems the presets
 * point at are reachable from here.
 */
import {
  loadPresetCatalog,
  pluginEntryKind,
} from '@devportal/plugin-presets-node';
import path from 'path';
import { repoRoot, startBackendProcess } from './harness/backendProcess';
import { E2E_TOKEN, externalAccessEnv } from './harness/portal';

jest.setTimeout(120_000);

const catalog = loadPresetCatalog({
  shippedDir: path.join(repoRoot, 'presets'),
});

/**
 * A value for every variable a selection requires: the preset's own
 * example, with every host it names moved to a closed port on loopback, so
 * the backend meets unreachable systems and nothing leaves this machine.
 */
function dummyEnv(selection: string[]): Record<string, string> {
  const env: Record<string, string> = { VEECODE_PRESETS: selection.join(',') };
  for (const name of selection) {
    const preset = catalog.presets.get(name)!;
    for (const [variable, spec] of Object.entries(preset.requires.variables)) {
      if (spec.format === 'url') {
        // Enterprise and sovereign endpoints: loopback too, never the SaaS.
        env[variable] = 'https://127.0.0.1:9';
      } else if (spec.required) {
        const example = spec.example ?? `dummy-${variable.toLowerCase()}`;
        env[variable] = example
          .replace(/^([a-z]+:\/\/)[^/]+/, '$1127.0.0.1:9')
          .replace(
            /^[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|org|net|io)$/,
            '127.0.0.1:9',
          );
      }
    }
  }
  return env;
}

/** The enabled npm plugin packages the selected presets name. */
function npmPluginsOf(selection: string[]): string[] {
  return selection.flatMap(name =>
    catalog.presets
      .get(name)!
      .plugins.filter(p => !p.disabled && pluginEntryKind(p.package) === 'npm')
      .map(p => p.package),
  );
}

const singles = [...catalog.presets.keys()]
  .filter(name => catalog.presets.get(name)!.requires.presets.length === 0)
  .map(name => [name]);
const combinations = [
  ['github', 'github-auth'],
  ['azure', 'azure-auth'],
  ['ldap', 'ldap-ad'],
  ['recommended', 'mcp'],
  ['mcp', 'mcp-chat'],
];

/**
 * What each composition must register, and nothing else: sign-in routes
 * (`/api/auth/<id>`) and catalog providers, read from the modules' startup
 * log lines.
 */
const compositions: Array<[string, { auth: string[]; catalog: string[] }]> = [
  [
    'recommended,github,github-auth',
    {
      auth: ['github'],
      catalog: [
        'github-provider:default',
        'GithubMultiOrgEntityProvider:production',
      ],
    },
  ],
  [
    'github,keycloak',
    {
      auth: ['oidc'],
      catalog: ['github-provider:default', 'KeycloakOrgEntityProvider:default'],
    },
  ],
  [
    'azure,azure-auth',
    {
      auth: ['microsoft'],
      catalog: [
        'AzureDevOpsEntityProvider:default',
        'MicrosoftGraphOrgEntityProvider:default',
      ],
    },
  ],
  [
    'github,gitlab',
    {
      auth: ['gitlab'],
      catalog: [
        'github-provider:default',
        'GitlabDiscoveryEntityProvider:default',
        'GitlabOrgDiscoveryEntityProvider:default',
      ],
    },
  ],
  [
    'github,azure,ldap',
    {
      auth: ['ldap'],
      catalog: [
        'github-provider:default',
        'AzureDevOpsEntityProvider:default',
        'LdapOrgEntityProvider:default',
      ],
    },
  ],
];

describe('compositions of one identity preset with SCM presets', () => {
  it.each(compositions)(
    'VEECODE_PRESETS=%s registers exactly its providers',
    async (selection, expected) => {
      const backend = await startBackendProcess({
        env: dummyEnv(selection.split(',')),
      });
      try {
        await backend.waitForReady();
        const output = backend.output();
        const auth = [
          ...output.matchAll(
            /signs people in with .* \(\/api\/auth\/([\w-]+)\)/g,
          ),
        ].map(m => m[1]);
        const catalogProviders = [
          ...output.matchAll(
            /(?:syncs users and groups from|discovers catalog files with) .* \(([^()]+)\)/g,
          ),
        ].map(m => m[1]);
        expect(auth).toEqual(expected.auth);
        expect(catalogProviders.sort()).toEqual([...expected.catalog].sort());
        // No guest sign-in next to a real identity provider.
        const guest = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
          headers: { 'X-Requested-With': 'XMLHttpRequest' },
        });
        expect(guest.status).not.toBe(200);
      } finally {
        await backend.stop();
      }
    },
  );
});

describe('boot matrix', () => {
  it('covers the whole shipped catalog', () => {
    expect(catalog.problems).toEqual([]);
    const covered = new Set([...singles, ...combinations].flat());
    expect([...catalog.presets.keys()].filter(n => !covered.has(n))).toEqual(
      [],
    );
  });

  it.each([...singles, ...combinations].map(s => [s.join(','), s]))(
    'VEECODE_PRESETS=%s reaches readiness and runs the npm plugins its presets name',
    async (_label, selection) => {
      const backend = await startBackendProcess({
        env: { ...dummyEnv(selection as string[]), ...externalAccessEnv() },
      });
      try {
        await backend.waitForReady();
        const health = await fetch(`${backend.baseUrl}/healthcheck`);
        expect(health.status).toBe(200);
        expect(backend.output()).toContain(
          `Presets selected: ${(selection as string[])
            .map(n => `${n}@${catalog.presets.get(n)!.version}`)
            .join(', ')}`,
        );
        // As VeeCode's smoke tests count them: through the loaded-plugins route.
        const loaded = await fetch(
          `${backend.baseUrl}/api/dynamic-plugins-info/loaded-plugins`,
          { headers: { Authorization: `Bearer ${E2E_TOKEN}` } },
        );
        expect(loaded.status).toBe(200);
        const names = ((await loaded.json()) as Array<{ name: string }>).map(
          p => p.name,
        );
        expect(names).toEqual(
          expect.arrayContaining(npmPluginsOf(selection as string[])),
        );
      } finally {
        await backend.stop();
      }
    },
  );

  it('runs core only, and says how to pick presets, when VEECODE_PRESETS is unset', async () => {
    const backend = await startBackendProcess();
    try {
      await backend.waitForReady();
      expect((await fetch(`${backend.baseUrl}/healthcheck`)).status).toBe(200);
      expect(backend.output()).toMatch(
        /No presets selected, running core only\. Pick presets with VEECODE_PRESETS/,
      );
      // Without an identity preset, guest sign-in is there to try the portal.
      const guest = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
      });
      expect(guest.status).toBe(200);
      const session = await guest.json();
      expect(session.backstageIdentity.identity.userEntityRef).toBe(
        'user:development/guest',
      );
    } finally {
      await backend.stop();
    }
  });
});
