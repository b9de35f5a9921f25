import fs from 'fs';
import os from 'os';
import { join } from 'path';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { runCli } from './__testUtils__/runCli';

const rootDir = FIXTURE_CATALOG_ROOT;

const run = (argv: string[], env: Record<string, string> = {}) =>
  runCli(rootDir, argv, env);

describe('runPresetsCli', () => {
  it('exits 64 with the usage on an unknown command', async () => {
    const result = await run(['explode']);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('presets: unknown command "explode"');
    expect(result.stderr).toContain('Usage: presets <command>');
  });

  it("prints each command's own usage for <command> --help", async () => {
    const overview = await run(['--help']);
    expect(overview).toMatchObject({ code: 0, stderr: '' });
    expect(overview.stdout).toMatch(/^Usage: presets <command> \[options\]/);
    for (const command of ['list', 'check', 'explain', 'lint', 'doctor']) {
      const result = await run([command, '--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(
        new RegExp(`^Usage: presets ${command} \\[options\\]`),
      );
      expect(result.stdout).not.toContain('Commands:');
    }
  });

  it('checks the VEECODE_PRESETS selection and exits 0 when it boots', async () => {
    const result = await run(['check'], { VEECODE_PRESETS: 'recommended' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^ok: recommended@\S+ pass every check/);
  });

  it("checks npm plugins in the workspace's backend package, or in the one --backend names", async () => {
    const workspace = await run(['check', '--presets', 'recommended']);
    expect(workspace.code).toBe(0);
    const elsewhere = fs.mkdtempSync(join(os.tmpdir(), 'presets-backend-'));
    try {
      const named = await run([
        'check',
        '--presets',
        'recommended',
        '--backend',
        elsewhere,
      ]);
      expect(named.code).toBe(78);
      expect(named.stderr).toContain(
        'enables the backend plugin @backstage/plugin-scaffolder-backend, which is not installed',
      );
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('prints problems as the gate does and exits 78', async () => {
    const result = await run(['check', '--presets', 'github-auth,keycloak']);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^DevPortal presets: refusing to start, 2 problems found/,
    );
    expect(result.stderr).toContain('exclusive group "identity"');
  });

  it('lets --presets replace VEECODE_PRESETS', async () => {
    const result = await run(['check', '--json', '--presets', 'recommended'], {
      VEECODE_PRESETS: 'nope',
    });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toEqual({
      ok: true,
      presets: [{ name: 'recommended', version: expect.any(String) }],
      problems: [],
      warnings: [],
    });
  });

  it('reports the kinds of problems in --json', async () => {
    const result = await run(['check', '--json'], { VEECODE_PRESETS: 'githb' });
    expect(result.code).toBe(78);
    const json = JSON.parse(result.stdout);
    expect(json.ok).toBe(false);
    expect(json.problems).toEqual([
      expect.objectContaining({
        kind: 'unknown-preset',
        message: expect.stringContaining('did you mean "github"?'),
      }),
    ]);
  });

  it('lists presets of VEECODE_PRESETS_PATH folders and exits 78 on a broken file there', async () => {
    const dir = fs.mkdtempSync(join(os.tmpdir(), 'presets-cli-'));
    try {
      fs.writeFileSync(
        join(dir, 'acme.yaml'),
        'name: acme\ndescription: Acme extras\nversion: 0.1.0\n',
      );
      const ok = await run(['list', '--json'], { VEECODE_PRESETS_PATH: dir });
      expect(ok.code).toBe(0);
      const json = JSON.parse(ok.stdout);
      expect(json.problems).toEqual([]);
      expect(json.presets).toContainEqual(
        expect.objectContaining({
          name: 'acme',
          version: '0.1.0',
          description: 'Acme extras',
          source: join(dir, 'acme.yaml'),
        }),
      );

      fs.writeFileSync(join(dir, 'broken.yaml'), 'name: broken\n');
      const broken = await run(['list'], { VEECODE_PRESETS_PATH: dir });
      expect(broken.code).toBe(78);
      expect(broken.stdout).toMatch(/^acme +0\.1\.0 /m);
      expect(broken.stderr).toContain('broken.yaml');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains a selection and exits 78 with the problems when it is refused', async () => {
    const result = await run(['explain', '--presets', 'keycloak,ldap']);
    expect(result.code).toBe(78);
    expect(result.stdout).toContain(
      'Sign-in provider (auth.providers): oidc (keycloak), ldap (ldap)',
    );
    expect(result.stderr).toContain('exclusive group "identity"');
  });
});
