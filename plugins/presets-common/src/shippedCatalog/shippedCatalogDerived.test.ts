/*
 * The shipped presets' derived values: GitHub and GitLab point at the public
 * SaaS by default and at a self-hosted instance from its base URL, the tech
 * radar and the MCP chat's token fall back to the backend's own values, and
 * rbac's policy file to VeeCode's image default.
 */
import path from 'path';
import { loadPresetCatalog } from '../catalog/loadPresetCatalog';
import { readPlatformPreset } from '../catalog/platformPreset';
import { deriveVariables } from '../selection/derivedVariables';
import { PresetDerivedVariable } from '../model/types';

const shippedDir = path.resolve(__dirname, '../../../../presets');
const shipped = loadPresetCatalog({ shippedDir }).presets;
const definitions = new Map<string, PresetDerivedVariable>(
  [
    readPlatformPreset(shippedDir).preset!,
    ...['github-auth', 'gitlab', 'recommended', 'mcp-chat', 'oidc', 'rbac'].map(
      name => shipped.get(name)!,
    ),
  ].flatMap(preset => Object.entries(preset.derived)),
);

const derived = (env: Record<string, string>) =>
  Object.fromEntries(deriveVariables(definitions, env));

describe('the shipped derived values', () => {
  it('point GitHub and GitLab at the public SaaS by default, and the backend at localhost', () => {
    const values = derived({ GITLAB_HOST: 'gitlab.com' });
    expect(values).toMatchObject({
      GITHUB_HOST: 'github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITLAB_URL: 'https://gitlab.com',
      BACKEND_URL: 'http://localhost:7007',
      BACKEND_LOOPBACK_HOST: '127.0.0.1:7007',
      TECH_RADAR_DATA_URL:
        'http://127.0.0.1:7007/api/presets/tech-radar/sample.json',
      MCP_CHAT_SERVICE_TOKEN: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(values.GITHUB_ENTERPRISE_URL).toBeUndefined();
  });

  it("find the OIDC provider's discovery document from its issuer, trailing slash or not, and keep the operator's session secret", () => {
    for (const issuer of [
      'https://acme.auth0.example/',
      'https://acme.auth0.example',
    ]) {
      expect(derived({ OIDC_ISSUER_URL: issuer })).toMatchObject({
        OIDC_METADATA_URL:
          'https://acme.auth0.example/.well-known/openid-configuration',
        OIDC_SESSION_SECRET: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    }
    expect(
      derived({ AUTH_SESSION_SECRET: 'shared-by-every-replica' })
        .OIDC_SESSION_SECRET,
    ).toBe('shared-by-every-replica');
  });

  it("take the backend URL and the chat's token from the operator when set", () => {
    expect(
      derived({
        BACKEND_BASE_URL: 'https://devportal.example.com/',
        BACKEND_PORT: '8080',
        MCP_CHAT_MCP_TOKEN: ' operator-token ',
        TECH_RADAR_URL: 'https://radar.example.com/data.json',
      }),
    ).toMatchObject({
      BACKEND_URL: 'https://devportal.example.com',
      BACKEND_LOOPBACK_HOST: '127.0.0.1:8080',
      MCP_CHAT_SERVICE_TOKEN: 'operator-token',
      TECH_RADAR_DATA_URL: 'https://radar.example.com/data.json',
    });
  });

  it('derive GitHub Enterprise Server and self-hosted GitLab endpoints from their base URLs', () => {
    expect(
      derived({
        GITHUB_BASE_URL: 'https://ghe.example.com:8443/',
        GITLAB_HOST: 'gitlab.example.com',
        GITLAB_BASE_URL: 'http://127.0.0.1:9000/',
        // the environment cannot override a derived value
        GITHUB_HOST: 'elsewhere.example.com',
      }),
    ).toMatchObject({
      GITHUB_HOST: 'ghe.example.com:8443',
      GITHUB_API_URL: 'https://ghe.example.com:8443/api/v3',
      GITHUB_ENTERPRISE_URL: 'https://ghe.example.com:8443',
      GITLAB_URL: 'http://127.0.0.1:9000',
    });
  });

  it("take rbac's policy file from the operator, else VeeCode's /app/rbac-policy.csv when that file exists", () => {
    expect(
      derived({ RBAC_POLICIES_FILE: '/etc/devportal/rbac-policy.csv' })
        .RBAC_POLICY_FILE_PATH,
    ).toBe('/etc/devportal/rbac-policy.csv');
    // The default's path is a literal of the preset; the condition itself is
    // tested on a temporary file (derivedVariables.test.ts).
    expect(definitions.get('RBAC_POLICY_FILE_PATH')!.cases[1]).toEqual({
      when: { file: '/app/rbac-policy.csv' },
      value: '/app/rbac-policy.csv',
    });
    expect(
      (shipped.get('rbac')!.appConfig as any).permission.rbac[
        'policies-csv-file'
      ],
    ).toBe('${RBAC_POLICY_FILE_PATH:-}');
  });
});
