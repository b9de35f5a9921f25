/*
 * Embedding from packed packages: every publishable package is built
 * (`backstage-cli package build`) and packed (`yarn pack`), a backend of
 * someone else's is created outside this workspace, installs the tarballs
 * and the Backstage packages of this release with npm, and runs the entry
 * file docs/embedding.md shows ("The backend entry file"). It
 * boots without presets and with presets (shipped and from a preset path),
 * refuses a broken selection with exit 78, and the `presets` command runs
 * through `npm exec` from the packed CLI.
 *
 * The first run on a machine downloads the Backstage packages (minutes);
 * later runs install from npm's cache.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { repoRoot } from '@devportal/test-utils/src/backend/backendProcess';
import {
  catalogEntitiesOfKind,
  E2E_TOKEN,
  entityNames,
  externalAccessEnv,
} from '@devportal/test-utils/src/backend/catalogClient';
import { readEmbeddingSnippet } from '@devportal/test-utils/src/backend/embedding/embeddingSnippet';
import {
  buildAndPackPlugins,
  withOwnDependencies,
  PackedPackage,
  pluginPackages,
} from '@devportal/test-utils/src/backend/embedding/packPlugins';
import {
  createScratchBackend,
  npmEnv,
  ScratchBackend,
} from '@devportal/test-utils/src/backend/embedding/scratchBackend';
import {
  runScratchBackendToExit,
  startScratchBackend,
} from '@devportal/test-utils/src/backend/embedding/scratchProcess';
import { runCommand } from '@devportal/test-utils/src/backend/embedding/run';

jest.setTimeout(180_000);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-embedding-'));
const myPresets = path.join(work, 'my-presets');
// Beside the preset folder, not in it: every YAML file there is a preset.
const acmeCatalog = path.join(work, 'acme-catalog.yaml');
const timings: Array<[string, number]> = [];
let packed: PackedPackage[];
let scratch: ScratchBackend;

/** An operator's own preset, from VEECODE_PRESETS_PATH: a catalog file named by a variable. */
function writeOwnPreset() {
  fs.mkdirSync(myPresets);
  fs.writeFileSync(
    path.join(myPresets, 'acme-embed.yaml'),
    `name: acme-embed
description: The Acme team's services, from a preset folder of the operator's own
version: 0.3.0
requires:
  variables:
    ACME_EMBED_CATALOG:
      description: Path of the Acme team's catalog file
      required: true
      secret: false
appConfig:
  catalog:
    locations:
      - type: file
        target: \${ACME_EMBED_CATALOG}
`,
  );
  fs.writeFileSync(
    acmeCatalog,
    `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: acme-embedded-service
spec:
  type: service
  lifecycle: production
  owner: acme
`,
  );
}

async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await step();
  timings.push([label, Date.now() - started]);
  return result;
}

const ownPresetEnv = () => ({
  VEECODE_PRESETS_PATH: myPresets,
  ACME_EMBED_CATALOG: acmeCatalog,
});

async function presetsStatus(baseUrl: string) {
  const res = await fetch(`${baseUrl}/api/presets/status`, {
    headers: { Authorization: `Bearer ${E2E_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    presets: Array<{ name: string; version: string }>;
  };
}

beforeAll(async () => {
  writeOwnPreset();
  const packs = path.join(work, 'packs');
  fs.mkdirSync(packs);
  packed = await timed('build and pack', () => buildAndPackPlugins(packs));
  const dir = path.join(work, 'backend');
  fs.mkdirSync(dir);
  scratch = await timed('npm install', () =>
    createScratchBackend({ dir, packed, snippet: readEmbeddingSnippet() }),
  );
}, 1_800_000);

afterAll(() => {
  process.stdout.write(
    `embedding test timings: ${timings
      .map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}\n`,
  );
  fs.rmSync(work, { recursive: true, force: true });
});

describe('embedding the packed packages in a backend of your own', () => {
  it('packs every plugin package with its build and without source or workspace references', () => {
    expect(packed.map(p => p.name)).toEqual(pluginPackages().map(p => p.name));
    expect(scratch.dir.startsWith(repoRoot)).toBe(false);
    for (const { name } of packed) {
      const installed = path.join(scratch.dir, 'node_modules', name);
      const manifest = JSON.parse(
        fs.readFileSync(path.join(installed, 'package.json'), 'utf8'),
      );
      // Node packages ship CommonJS; frontend packages, ES modules.
      expect(manifest.main).toBe(
        manifest.backstage?.role === 'frontend-plugin'
          ? 'dist/index.esm.js'
          : 'dist/index.cjs.js',
      );
      expect(fs.existsSync(path.join(installed, manifest.main))).toBe(true);
      expect(fs.existsSync(path.join(installed, 'src'))).toBe(false);
      expect(JSON.stringify(manifest.dependencies)).not.toContain('workspace:');
    }
  });

  it('boots core only without presets and serves health and the catalog', async () => {
    const backend = await startScratchBackend(scratch.dir, externalAccessEnv());
    try {
      await timed('boot to ready (core only)', () => backend.waitForReady());
      expect(backend.output()).toContain('No presets selected');
      expect(await catalogEntitiesOfKind(backend, 'component')).toEqual([]);
      expect((await presetsStatus(backend.baseUrl)).presets).toEqual([]);
    } finally {
      await backend.stop();
    }
  });

  it('boots with a shipped preset and one from a preset path, layering their config', async () => {
    const backend = await startScratchBackend(scratch.dir, {
      ...externalAccessEnv(),
      ...ownPresetEnv(),
      VEECODE_PRESETS: 'veecode-theme,acme-embed',
    });
    try {
      await timed('boot to ready (presets)', () => backend.waitForReady());
      const status = await presetsStatus(backend.baseUrl);
      expect(status.presets.map(p => `${p.name}@${p.version}`)).toEqual([
        expect.stringMatching(/^veecode-theme@\d/),
        'acme-embed@0.3.0',
      ]);
      // The preset's catalog location, its target substituted from the
      // preset's variable: the catalog ingests it within a few seconds.
      const deadline = Date.now() + 60_000;
      let names: string[] = [];
      while (Date.now() < deadline) {
        names = entityNames(await catalogEntitiesOfKind(backend, 'component'));
        if (names.includes('acme-embedded-service')) {
          break;
        }
        await new Promise(r => setTimeout(r, 500));
      }
      expect(names).toContain('acme-embedded-service');
    } finally {
      await backend.stop();
    }
  });

  it('refuses a broken selection with exit code 78, listing every problem at once', async () => {
    const result = await timed('refused boot', () =>
      runScratchBackendToExit(scratch.dir, {
        VEECODE_PRESETS_PATH: myPresets,
        VEECODE_PRESETS: 'githb,recommended,acme-embed',
      }),
    );
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('refusing to start, 5 problems found');
    expect(result.stderr).toContain('did you mean "github"?');
    expect(result.stderr).toMatch(
      /ACME_EMBED_CATALOG \(required by acme-embed\)/,
    );
    // The embedding backend did not install what `recommended` loads.
    expect(result.stderr).toMatch(
      /enables the backend plugin @backstage\/plugin-scaffolder-backend, which is not installed/,
    );
    expect(result.stderr).toMatch(
      /enables the backend plugin @backstage\/plugin-scaffolder-backend-module-notifications, which is not installed/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  describe('the presets command through npm exec from the packed packages', () => {
    // The CLI and the packages of ours it depends on by version, which are
    // not on the registry: npm exec installs their tarballs together.
    const presetsTarballs = () =>
      withOwnDependencies(['@devportal/presets-cli']).map(
        name => packed.find(p => p.name === name)!.tarball,
      );
    let npxCacheBefore: Set<string>;
    const npxCache = () => {
      const dir = path.join(os.homedir(), '.npm/_npx');
      return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    };
    const presets = (args: string[], env: Record<string, string> = {}) =>
      runCommand(
        'npm',
        [
          'exec',
          '--yes',
          '--prefer-offline',
          // npm's own notices (engine warnings of dependencies) are not the command's output.
          '--loglevel=error',
          ...presetsTarballs().map(tarball => `--package=${tarball}`),
          '--',
          'presets',
          ...args,
        ],
        {
          cwd: scratch.dir,
          env: { ...npmEnv(), ...env },
          timeoutMs: 900_000,
        },
      );

    beforeAll(() => {
      npxCacheBefore = new Set(npxCache());
    });

    afterAll(() => {
      // npm exec installs each tarball path once into its cache; this run's
      // path is gone after the test, so its install would only take space.
      for (const entry of npxCache().filter(e => !npxCacheBefore.has(e))) {
        const dir = path.join(os.homedir(), '.npm/_npx', entry);
        const manifest = path.join(dir, 'package.json');
        if (
          fs.existsSync(manifest) &&
          fs.readFileSync(manifest, 'utf8').includes(work)
        ) {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }
    });

    it("lists the shipped presets and the operator's own, each required variable set or missing", async () => {
      const result = await timed('npm exec presets list', () =>
        presets(['list', '--json'], { VEECODE_PRESETS_PATH: myPresets }),
      );
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.code).toBe(0);
      const list = JSON.parse(result.stdout) as {
        presets: Array<{ name: string }>;
        problems: unknown[];
      };
      expect(list.problems).toEqual([]);
      expect(list.presets.map(p => p.name)).toEqual(
        expect.arrayContaining([
          'recommended',
          'github',
          'veecode-theme',
          'acme-embed',
        ]),
      );
      expect(result.stdout).toContain('ACME_EMBED_CATALOG');
    }, 900_000);

    it('checks a selection: 0 when it would boot, 78 with the problems when not', async () => {
      const ok = await presets(
        ['check', '--presets', 'veecode-theme,acme-embed'],
        ownPresetEnv(),
      );
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('veecode-theme@');
      expect(ok.stdout).toContain('pass every check');

      const refused = await presets(
        ['check', '--presets', 'githb,acme-embed'],
        {
          VEECODE_PRESETS_PATH: myPresets,
        },
      );
      expect(refused.code).toBe(78);
      expect(refused.stderr).toContain('did you mean "github"?');
      expect(refused.stderr).toContain('ACME_EMBED_CATALOG');
      expect(refused.stderr).not.toMatch(/^\s+at /m);
    }, 900_000);
  });
});
