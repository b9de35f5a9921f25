/*
 * VeeCode's smoke matrix and its dummy values, shared by the boot matrix
 * files. The matrix is checked in parts, one file each, so that the
 * process-level test files running side by side end close together.
 */
// Shared by test files of this private package only, so its imports are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import {
  loadPresetCatalog,
  pluginEntryKind,
} from '@devportal/plugin-presets-common';
import path from 'path';
import {
  BackendProcess,
  repoRoot,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  E2E_TOKEN,
  externalAccessEnv,
} from '@devportal/test-utils/src/backend/catalogClient';

export const catalog = loadPresetCatalog({
  shippedDir: path.join(repoRoot, 'presets'),
});

/** The enabled npm plugin packages the selected presets name. */
function npmPluginsOf(selection: string[]): string[] {
  return selection.flatMap(name =>
    catalog.presets
      .get(name)!
      .plugins.filter(p => !p.disabled && pluginEntryKind(p.package) === 'npm')
      .map(p => p.package),
  );
}

/**
 * VeeCode's smoke matrix (`scripts/smoke-presets.sh`, ALL_TESTS, in
 * veecode-platform/devportal-platform): its 18 preset tests, each booted
 * with its dummy values. The `recommended+mount` variant is left out: it
 * bind-mounts a dynamic-plugins.yaml into a container image.
 */
export const VEECODE_SMOKE_TESTS = [
  'recommended',
  'veecode-theme',
  'github',
  'github-auth',
  'github,github-auth',
  'gitlab',
  'azure',
  'azure-auth',
  'azure,azure-auth',
  'keycloak',
  'ldap',
  'ldap,ldap-ad',
  'jenkins',
  'kubernetes',
  'sonarqube',
  'mcp',
  'recommended,mcp',
  'recommended,mcp,mcp-chat',
];

/** VeeCode's dummy values per preset (its DUMMY table), verbatim. */
const VEECODE_DUMMY: Record<string, string> = {
  github:
    'GITHUB_PAT=ghp_fakefakefakefakefakefakefakefakefake GITHUB_ORG=test-org',
  'github-auth':
    'GITHUB_PAT=ghp_fakefakefakefakefakefakefakefakefake GITHUB_ORG=test-org GITHUB_AUTH_CLIENT_ID=Iv1.fakefakefakefake GITHUB_AUTH_CLIENT_SECRET=fake-oauth-secret',
  gitlab:
    'GITLAB_HOST=gitlab.test GITLAB_AUTH_CLIENT_ID=fake GITLAB_AUTH_CLIENT_SECRET=fake GITLAB_TOKEN=glpat-fake GITLAB_GROUP=test-group',
  azure:
    'AZURE_DEVOPS_TOKEN=fake AZURE_DEVOPS_HOST=dev.azure.com AZURE_DEVOPS_ORG=test-org AZURE_DEVOPS_PROJECT=test-project',
  'azure-auth':
    'AZURE_AUTH_TENANT_ID=00000000-0000-0000-0000-000000000000 AZURE_AUTH_CLIENT_ID=00000000-0000-0000-0000-000000000000 AZURE_AUTH_CLIENT_SECRET=fake-oauth-secret',
  keycloak:
    'KEYCLOAK_BASE_URL=https://kc.test/auth KEYCLOAK_REALM=master KEYCLOAK_CLIENT_ID=backstage KEYCLOAK_CLIENT_SECRET=fake AUTH_SESSION_SECRET=fake-secret-32chars-1234567890ab',
  ldap: 'LDAP_URL=ldap://localhost LDAP_DN=cn=admin,dc=test LDAP_SECRET=fake LDAP_USERS_BASE_DN=ou=people,dc=test LDAP_GROUPS_BASE_DN=ou=groups,dc=test',
  'ldap-ad': '',
  jenkins:
    'JENKINS_URL=http://jenkins.test JENKINS_USERNAME=admin JENKINS_TOKEN=fake',
  kubernetes:
    'K8S_CLUSTER_NAME=test-cluster K8S_CLUSTER_URL=https://kubernetes.test K8S_CLUSTER_TOKEN=fake',
  sonarqube: 'SONARQUBE_BASE_URL=https://sonar.test SONARQUBE_API_KEY=fake',
  'mcp-chat':
    'MCP_CHAT_PROVIDER=openai MCP_CHAT_API_KEY=sk-fake MCP_CHAT_MODEL=gpt-5.4',
};

/**
 * Where VeeCode's dummies name a SaaS API (github.com, dev.azure.com,
 * login.microsoftonline.com, the model provider), the scheduled syncs
 * would call it at startup: these keep every call on a closed loopback
 * port, through the presets' own endpoint variables, because tests reach
 * no network. `.test` hosts never resolve and stay as they are.
 */
const OFFLINE_ENDPOINTS: Record<string, Record<string, string>> = {
  github: { GITHUB_BASE_URL: 'https://127.0.0.1:9' },
  'github-auth': { GITHUB_BASE_URL: 'https://127.0.0.1:9' },
  azure: { AZURE_DEVOPS_HOST: '127.0.0.1:9' },
  'azure-auth': {
    AZURE_AUTH_AUTHORITY: 'https://127.0.0.1:9',
    MSGRAPH_BASE_URL: 'https://127.0.0.1:9',
  },
  'mcp-chat': { MCP_CHAT_BASE_URL: 'http://127.0.0.1:9/v1' },
};

/** The environment of one of VeeCode's smoke tests: its dummies for every preset of the test. */
export function veecodeSmokeEnv(selection: string[]): Record<string, string> {
  const env: Record<string, string> = { VEECODE_PRESETS: selection.join(',') };
  for (const name of selection) {
    for (const pair of (VEECODE_DUMMY[name] ?? '').split(' ').filter(Boolean)) {
      const at = pair.indexOf('=');
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
    Object.assign(env, OFFLINE_ENDPOINTS[name]);
  }
  return env;
}

/**
 * What a composition of presets must register, and nothing else: sign-in
 * routes (`/api/auth/<id>`) and catalog providers.
 */
export interface ExpectedProviders {
  auth: string[];
  catalog: string[];
}

/**
 * Checks that a ready backend registered exactly these providers, read
 * from the modules' startup log lines, and offers no guest sign-in next to
 * a real identity provider.
 */
export async function expectExactlyProviders(
  backend: BackendProcess,
  expected: ExpectedProviders,
) {
  const output = backend.output();
  const auth = [
    ...output.matchAll(/signs people in with .* \(\/api\/auth\/([\w-]+)\)/g),
  ].map(m => m[1]);
  const catalogProviders = [
    ...output.matchAll(
      /(?:syncs users and groups from|discovers catalog files with) .* \(([^()]+)\)/g,
    ),
  ].map(m => m[1]);
  expect(auth).toEqual(expected.auth);
  expect(catalogProviders.sort()).toEqual([...expected.catalog].sort());
  const guest = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(guest.status).not.toBe(200);
}

/**
 * Compositions of the boot matrix that are also tests of VeeCode's matrix:
 * their providers are checked on that test's boot (same selection, same
 * dummy values), so they need no boot of their own.
 */
export const SMOKE_TEST_COMPOSITIONS: Record<string, ExpectedProviders> = {
  'azure,azure-auth': {
    auth: ['microsoft'],
    catalog: [
      'AzureDevOpsEntityProvider:default',
      'MicrosoftGraphOrgEntityProvider:default',
    ],
  },
};

/**
 * One test of VeeCode's smoke matrix: it boots with its dummy values and
 * reports the npm plugins its presets name (and, for a composition of the
 * boot matrix, registers exactly its providers).
 */
export async function checkVeecodeSmokeTest(test: string) {
  const selection = test.split(',');
  const backend = await startBackendProcess({
    env: { ...veecodeSmokeEnv(selection), ...externalAccessEnv() },
  });
  try {
    await backend.waitForReady();
    const health = await fetch(`${backend.baseUrl}/healthcheck`);
    expect(health.status).toBe(200);
    expect(backend.output()).toContain(
      `Presets selected: ${selection
        .map(n => `${n}@${catalog.presets.get(n)!.version}`)
        .join(', ')}`,
    );
    // As VeeCode's harness counts them: through the loaded-plugins
    // route. Identity presets turn guest sign-in off, so the test
    // calls with a static service token instead of a guest token, and
    // checks identity tests too (VeeCode's skips them).
    const loaded = await fetch(
      `${backend.baseUrl}/api/dynamic-plugins-info/loaded-plugins`,
      { headers: { Authorization: `Bearer ${E2E_TOKEN}` } },
    );
    expect(loaded.status).toBe(200);
    const names = ((await loaded.json()) as Array<{ name: string }>).map(
      p => p.name,
    );
    expect(names).toEqual(expect.arrayContaining(npmPluginsOf(selection)));
    const composition = SMOKE_TEST_COMPOSITIONS[test];
    if (composition) {
      await expectExactlyProviders(backend, composition);
    }
  } finally {
    await backend.stop();
  }
}
