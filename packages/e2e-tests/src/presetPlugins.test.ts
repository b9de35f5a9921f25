/*
 * Presets switch real npm backend plugins on and off: checked through each
 * plugin's own routes on a real backend started with `npm start`, and
 * through the routes that list what is loaded.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { parse } from 'yaml';
import {
  BackendProcess,
  repoRoot,
  runToExit,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  E2E_TOKEN,
  externalAccessEnv,
} from '@devportal/test-utils/src/backend/catalogClient';

jest.setTimeout(180_000);

const auth = { Authorization: `Bearer ${E2E_TOKEN}` };

/** Values for the presets' variables; every endpoint on a closed loopback port. */
const ENV = {
  GITHUB_PAT: 'ghp_presetplugins',
  GITHUB_ORG: 'acme',
  GITHUB_BASE_URL: 'http://127.0.0.1:9',
  JENKINS_URL: 'http://127.0.0.1:9',
  JENKINS_USERNAME: 'bot',
  JENKINS_TOKEN: 'jenkins-token-presetplugins',
  SONARQUBE_BASE_URL: 'http://127.0.0.1:9',
  SONARQUBE_API_KEY: 'sonar-key-presetplugins',
  K8S_CLUSTER_NAME: 'dev-cluster',
  K8S_CLUSTER_URL: 'https://127.0.0.1:9',
  K8S_CLUSTER_TOKEN: 'k8s-token-presetplugins',
  GITLAB_HOST: '127.0.0.1:9',
  GITLAB_BASE_URL: 'http://127.0.0.1:9',
  GITLAB_AUTH_CLIENT_ID: 'gl-client',
  GITLAB_AUTH_CLIENT_SECRET: 'gl-secret-presetplugins',
  GITLAB_TOKEN: 'glpat-presetplugins',
  GITLAB_GROUP: 'acme',
  AZURE_DEVOPS_TOKEN: 'ado-pat-presetplugins',
  AZURE_DEVOPS_HOST: '127.0.0.1:9',
  AZURE_DEVOPS_ORG: 'acme',
  AZURE_DEVOPS_PROJECT: 'portal',
};

async function startWith(
  selection: string,
  env: Record<string, string> = {},
): Promise<BackendProcess> {
  const backend = await startBackendProcess({
    env: {
      VEECODE_PRESETS: selection,
      ...ENV,
      ...externalAccessEnv(),
      ...env,
    },
  });
  await backend.waitForReady();
  return backend;
}

async function getJson(backend: BackendProcess, route: string) {
  const res = await fetch(`${backend.baseUrl}${route}`, { headers: auth });
  return {
    status: res.status,
    body: res.headers.get('content-type')?.includes('json')
      ? await res.json()
      : undefined,
  };
}

/** The sample radar `recommended` ships. */
function shippedTechRadar(): unknown {
  return JSON.parse(
    fs.readFileSync(
      path.join(repoRoot, 'presets/data/tech-radar.json'),
      'utf8',
    ),
  );
}

async function scaffolderActions(backend: BackendProcess): Promise<string[]> {
  const { status, body } = await getJson(backend, '/api/scaffolder/v2/actions');
  expect(status).toBe(200);
  return (body as Array<{ id: string }>).map(a => a.id);
}

describe('presets switch npm backend plugins on', () => {
  describe('recommended,github,jenkins,sonarqube,kubernetes', () => {
    let backend: BackendProcess;
    let includeDir: string;
    beforeAll(async () => {
      includeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamic-plugins-'));
      backend = await startWith(
        'recommended,github,jenkins,sonarqube,kubernetes',
        {
          VEECODE_DYNAMIC_PLUGINS_FILE: path.join(
            includeDir,
            'dynamic-plugins.presets.yaml',
          ),
        },
      );
    });
    afterAll(async () => {
      await backend?.stop();
      fs.rmSync(includeDir, { recursive: true, force: true });
    });

    it('runs the scaffolder of recommended with the publish actions of github', async () => {
      const actions = await scaffolderActions(backend);
      expect(actions).toEqual(
        expect.arrayContaining(['publish:github', 'fetch:template']),
      );
      expect(actions).not.toContain('publish:gitlab');
    });

    it('runs the Jenkins, SonarQube and Kubernetes backends on their presets config', async () => {
      const sonar = await getJson(backend, '/api/sonarqube/instanceUrl');
      expect(sonar).toEqual({
        status: 200,
        body: { instanceUrl: 'http://127.0.0.1:9' },
      });
      const clusters = await getJson(backend, '/api/kubernetes/clusters');
      expect(clusters.status).toBe(200);
      expect(
        (clusters.body as { items: Array<{ name: string }> }).items.map(
          c => c.name,
        ),
      ).toEqual(['dev-cluster']);
      // Jenkins answers for an entity the catalog does not hold with its own
      // error, not the 404 of a plugin that is not there.
      const jenkins = await getJson(
        backend,
        '/api/jenkins/v1/entity/default/component/nothing/projects',
      );
      expect(jenkins.status).not.toBe(404);
      expect(JSON.stringify(jenkins.body)).toMatch(/entity/i);
    });

    it('lists what it loaded, with version, role and the preset that enabled it', async () => {
      const { status, body } = await getJson(backend, '/api/presets/plugins');
      expect(status).toBe(200);
      const byPackage = new Map(
        (
          body as Array<{
            package: string;
            version: string;
            role: string;
            preset?: string;
          }>
        ).map(p => [p.package, p]),
      );
      for (const [pkg, preset, role] of [
        [
          '@backstage/plugin-scaffolder-backend',
          'recommended',
          'backend-plugin',
        ],
        [
          '@backstage/plugin-scaffolder-backend-module-github',
          'github',
          'backend-plugin-module',
        ],
        [
          '@backstage-community/plugin-tech-radar-backend',
          'recommended',
          'backend-plugin',
        ],
        [
          '@backstage-community/plugin-jenkins-backend',
          'jenkins',
          'backend-plugin',
        ],
        [
          '@backstage-community/plugin-sonarqube-backend',
          'sonarqube',
          'backend-plugin',
        ],
        [
          '@backstage/plugin-kubernetes-backend',
          'kubernetes',
          'backend-plugin',
        ],
      ]) {
        expect(byPackage.get(pkg)).toEqual({
          package: pkg,
          version: expect.stringMatching(/^\d+\.\d+\.\d+/),
          role,
          preset,
        });
      }
      // what the backend always has is listed too, without a preset
      expect(byPackage.get('@backstage/plugin-catalog-backend')).toEqual({
        package: '@backstage/plugin-catalog-backend',
        version: expect.stringMatching(/^\d+\.\d+\.\d+/),
        role: 'backend-plugin',
      });

      const info = await getJson(
        backend,
        '/api/dynamic-plugins-info/loaded-plugins',
      );
      expect(info.status).toBe(200);
      expect(info.body).toContainEqual({
        name: '@backstage/plugin-scaffolder-backend-module-github',
        version: byPackage.get(
          '@backstage/plugin-scaffolder-backend-module-github',
        )!.version,
        role: 'backend-plugin-module',
        platform: 'node',
      });
    });

    it('answers the lists to authenticated callers only', async () => {
      for (const route of [
        '/api/presets/plugins',
        '/api/dynamic-plugins-info/loaded-plugins',
      ]) {
        expect((await fetch(`${backend.baseUrl}${route}`)).status).toBe(401);
      }
    });

    it('writes the OCI entries, resolved, for the dynamic plugin installer and says so once', async () => {
      const file = path.join(includeDir, 'dynamic-plugins.presets.yaml');
      const include = parse(fs.readFileSync(file, 'utf8'));
      const packages = (include.plugins as Array<{ package: string }>).map(
        p => p.package,
      );
      expect(packages.length).toBeGreaterThan(0);
      for (const pkg of packages) {
        expect(pkg).toMatch(/^oci:\/\/quay\.io\/veecode\/[^$]+!/);
      }
      expect(packages).toContain(
        'oci://quay.io/veecode/jenkins:bs_1.55.0!backstage-community-plugin-jenkins-backend',
      );
      expect(packages).not.toContain('@backstage/plugin-scaffolder-backend');
      expect(backend.output()).toContain(
        `${packages.length} dynamic plugin entries of the selected presets written to ${file}`,
      );
      for (const secret of [
        ENV.GITHUB_PAT,
        ENV.JENKINS_TOKEN,
        ENV.SONARQUBE_API_KEY,
        ENV.K8S_CLUSTER_TOKEN,
      ]) {
        expect(backend.output()).not.toContain(secret);
      }
    });
  });

  describe('without those presets', () => {
    let backend: BackendProcess;
    beforeAll(async () => {
      backend = await startWith('recommended');
    });
    afterAll(() => backend?.stop());

    it('has neither the publish actions of github nor the tool plugins nor the MCP server', async () => {
      const actions = await scaffolderActions(backend);
      expect(actions).not.toContain('publish:github');
      for (const route of [
        '/api/sonarqube/instanceUrl',
        '/api/kubernetes/clusters',
        '/api/jenkins/v1/entity/default/component/nothing/projects',
        '/api/mcp-actions/v1',
      ]) {
        expect((await getJson(backend, route)).status).toBe(404);
      }
    });

    it('serves the sample tech radar of recommended, read from the backend itself', async () => {
      const radar = await getJson(backend, '/api/tech-radar/data');
      expect(radar).toEqual({ status: 200, body: shippedTechRadar() });
      // the tech radar's own route still wants a caller; only the sample it reads is open
      expect(
        (await fetch(`${backend.baseUrl}/api/tech-radar/data`)).status,
      ).toBe(401);
      expect(backend.output()).not.toMatch(/Failed to read file from/);
    });
  });

  it('recommended,gitlab,azure runs the publish actions of gitlab and azure, not those of github', async () => {
    const backend = await startWith('recommended,gitlab,azure');
    try {
      const actions = await scaffolderActions(backend);
      expect(actions).toEqual(
        expect.arrayContaining(['publish:gitlab', 'publish:azure']),
      );
      expect(actions).not.toContain('publish:github');
    } finally {
      await backend.stop();
    }
  });

  it('core only has neither the scaffolder nor the tech radar', async () => {
    const backend = await startWith('');
    try {
      expect(
        (await getJson(backend, '/api/scaffolder/v2/actions')).status,
      ).toBe(404);
      for (const route of [
        '/api/tech-radar/data',
        '/api/presets/tech-radar/sample.json',
      ]) {
        expect((await getJson(backend, route)).status).toBe(404);
      }
      expect((await getJson(backend, '/api/presets/plugins')).body).toEqual(
        expect.not.arrayContaining([
          expect.objectContaining({
            package: '@backstage/plugin-scaffolder-backend',
          }),
        ]),
      );
    } finally {
      await backend.stop();
    }
  });

  it('refuses to boot, exit 78, when a preset names a backend plugin that is not installed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'presets-extra-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'acme-tools.yaml'),
        [
          'name: acme-tools',
          'description: Acme tools',
          'version: 1.0.0',
          'plugins:',
          "  - package: '@acme/plugin-tools-backend'",
          '',
        ].join('\n'),
      );
      const result = await runToExit({
        env: { VEECODE_PRESETS: 'acme-tools', VEECODE_PRESETS_PATH: dir },
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toContain(
        'preset "acme-tools" enables the backend plugin @acme/plugin-tools-backend, which is not installed in this backend',
      );
      expect(result.stderr).toContain(
        'yarn --cwd packages/backend add @acme/plugin-tools-backend',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
