/*
 * The shipped catalog resolves: every preset alone and the documented
 * combinations, with the registry default and backstage.json.
 */
import fs from 'fs';
import path from 'path';
import {
  SHIPPED_PRESET_NAMES as SHIPPED_NAMES,
  REPO_ROOT,
  presetRoot,
} from '../__testUtils__/presetRoots';
import { resolvePresets } from '../selection/resolvePresets';

const repoRoot = REPO_ROOT;
const {
  catalog: shipped,
  dummyEnv,
  resolveSelection: resolveShipped,
} = presetRoot(REPO_ROOT);

describe('resolvePresets', () => {
  describe('the shipped catalog', () => {
    it("holds VeeCode DevPortal's 15 presets and ours (postgres, rbac, okta), all valid", () => {
      expect(shipped.problems).toEqual([]);
      expect([...shipped.invalid]).toEqual([]);
      expect([...shipped.presets.keys()].sort()).toEqual(SHIPPED_NAMES);
    });

    it('selects nothing when VEECODE_PRESETS is unset', () => {
      const resolution = resolvePresets({ rootDir: repoRoot, env: {} });
      expect(resolution.presets).toEqual([]);
      expect(resolution.plugins).toEqual([]);
      expect(resolution.problems).toEqual([]);
      expect(resolution.secrets).toEqual([]);
    });

    /** Presets that need no other preset before them. */
    const standalone = SHIPPED_NAMES.filter(n => {
      const { requires } = shipped.presets.get(n)!;
      return (
        requires.presets.length === 0 &&
        Object.keys(requires.groups).length === 0
      );
    });

    it.each(standalone)(
      '%s resolves with no problems when its required variables are set',
      name => {
        const resolution = resolveShipped(name, dummyEnv([name]));
        expect(resolution.problems).toEqual([]);
        expect(resolution.presets.map(p => p.name)).toEqual([name]);
        for (const plugin of resolution.plugins) {
          expect(plugin.package).not.toContain('${');
          expect(plugin.preset).toBe(name);
        }
      },
    );

    it.each([
      ['ldap', 'ldap-ad'],
      ['mcp', 'mcp-chat'],
      ['github', 'github-auth'],
      ['azure', 'azure-auth'],
      ['recommended', 'mcp'],
      ['recommended', 'veecode-theme', 'github', 'github-auth'],
      [
        'recommended',
        'mcp',
        'mcp-chat',
        'gitlab',
        'jenkins',
        'kubernetes',
        'sonarqube',
      ],
    ])('%s,%s... resolves with no problems', (...names: string[]) => {
      const resolution = resolveShipped(names.join(','), dummyEnv(names));
      expect(resolution.problems).toEqual([]);
      expect(resolution.presets.map(p => p.name)).toEqual(names);
    });

    it('ldap-ad and mcp-chat alone each report their missing dependency', () => {
      for (const [name, dep] of [
        ['ldap-ad', 'ldap'],
        ['mcp-chat', 'mcp'],
      ]) {
        const resolution = resolveShipped(name, dummyEnv([name]));
        expect(resolution.problems).toHaveLength(1);
        expect(resolution.problems[0].kind).toBe('preset-order');
        expect(resolution.problems[0].message).toContain(
          `preset "${name}" requires preset "${dep}"`,
        );
        expect(resolution.problems[0].message).toContain('not selected');
        expect(resolution.problems[0].hint).toBe(
          `VEECODE_PRESETS=${dep},${name}`,
        );
      }
    });

    it('resolves plugin placeholders with the registry default and backstage.json', () => {
      const { version } = JSON.parse(
        fs.readFileSync(path.join(repoRoot, 'backstage.json'), 'utf8'),
      );
      const resolution = resolveShipped('recommended');
      expect(resolution.problems).toEqual([]);
      const dynamic = resolution.plugins.filter(p => p.kind === 'dynamic');
      expect(dynamic.length).toBeGreaterThan(0);
      for (const plugin of dynamic) {
        expect(plugin.package).toMatch(
          new RegExp(
            `^oci://quay\\.io/veecode/[^:]+:bs_${version.replace(
              /\./g,
              '\\.',
            )}!`,
          ),
        );
      }
    });

    it('uses PLUGIN_REGISTRY and BACKSTAGE_VERSION from the environment', () => {
      const resolution = resolveShipped('mcp', {
        PLUGIN_REGISTRY: ' registry.example.com/mirror ',
        BACKSTAGE_VERSION: '9.9.9',
      });
      expect(resolution.problems).toEqual([]);
      expect(resolution.plugins.map(p => p.package)).toContain(
        'oci://registry.example.com/mirror/backstage:bs_9.9.9!backstage-plugin-mcp-actions-backend',
      );
    });
  });
});
