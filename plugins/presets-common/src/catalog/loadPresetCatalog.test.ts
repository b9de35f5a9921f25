import { execFileSync } from 'child_process';
import path from 'path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  PRESETS_PATH_ENV,
  loadPresetCatalog,
  parsePresetsPath,
} from './loadPresetCatalog';
import { MAX_PRESET_FILE_BYTES } from './readPresetFile';

function preset(name: string, description = `the ${name} preset`) {
  return `name: ${name}\ndescription: ${description}\nversion: 1.0.0\n`;
}

describe('loadPresetCatalog', () => {
  const mockDir = createMockDirectory();

  beforeEach(() => mockDir.clear());

  it('reads every preset of the shipped folder', () => {
    mockDir.setContent({
      shipped: {
        'alpha.yaml': preset('alpha'),
        'beta.yml': preset('beta'),
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });

    expect(catalog.problems).toEqual([]);
    expect(catalog.overrides).toEqual([]);
    expect([...catalog.invalid]).toEqual([]);
    expect([...catalog.presets.keys()].sort()).toEqual(['alpha', 'beta']);
    expect(catalog.presets.get('alpha')?.source).toBe(
      mockDir.resolve('shipped/alpha.yaml'),
    );
    expect(catalog.presets.get('beta')?.source).toBe(
      mockDir.resolve('shipped/beta.yml'),
    );
  });

  it('lets a later folder override a preset of the same name, recording each override', () => {
    mockDir.setContent({
      shipped: {
        'alpha.yaml': preset('alpha', 'shipped'),
        'beta.yaml': preset('beta', 'shipped'),
      },
      extra1: {
        'alpha.yaml': preset('alpha', 'from extra1'),
        'gamma.yaml': preset('gamma', 'from extra1'),
      },
      extra2: {
        'alpha.yml': preset('alpha', 'from extra2'),
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
      extraDirs: [mockDir.resolve('extra1'), mockDir.resolve('extra2')],
    });

    expect(catalog.problems).toEqual([]);
    expect(catalog.presets.get('alpha')?.description).toBe('from extra2');
    expect(catalog.presets.get('alpha')?.source).toBe(
      mockDir.resolve('extra2/alpha.yml'),
    );
    expect(catalog.presets.get('beta')?.description).toBe('shipped');
    expect(catalog.presets.get('gamma')?.description).toBe('from extra1');
    // a preset new in an extra folder overrides nothing
    expect(catalog.overrides).toEqual([
      {
        name: 'alpha',
        file: mockDir.resolve('extra1/alpha.yaml'),
        overridden: mockDir.resolve('shipped/alpha.yaml'),
      },
      {
        name: 'alpha',
        file: mockDir.resolve('extra2/alpha.yml'),
        overridden: mockDir.resolve('extra1/alpha.yaml'),
      },
    ]);
  });

  it('reports an extra folder that does not exist and still reads the others', () => {
    mockDir.setContent({
      shipped: { 'alpha.yaml': preset('alpha') },
      extra: { 'beta.yaml': preset('beta') },
    });
    const missing = mockDir.resolve('no-such-folder');
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
      extraDirs: [missing, mockDir.resolve('extra')],
    });

    expect(catalog.problems).toHaveLength(1);
    const [problem] = catalog.problems;
    expect(problem.kind).toBe('invalid-folder');
    expect(problem.message).toContain(missing);
    expect(problem.message).toContain(PRESETS_PATH_ENV);
    expect(problem.message).toContain('ENOENT');
    expect(problem.hint).toContain(PRESETS_PATH_ENV);
    expect([...catalog.presets.keys()].sort()).toEqual(['alpha', 'beta']);
  });

  it('reports a missing shipped folder', () => {
    const catalog = loadPresetCatalog({ shippedDir: mockDir.resolve('gone') });
    expect(catalog.presets.size).toBe(0);
    expect(catalog.problems).toHaveLength(1);
    expect(catalog.problems[0].kind).toBe('invalid-folder');
    expect(catalog.problems[0].message).toContain('shipped preset folder');
  });

  it('reports a folder path that is a file', () => {
    mockDir.setContent({ shipped: {}, 'not-a-folder': 'text' });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
      extraDirs: [mockDir.resolve('not-a-folder')],
    });
    expect(catalog.problems).toHaveLength(1);
    expect(catalog.problems[0].kind).toBe('invalid-folder');
    expect(catalog.problems[0].message).toContain('ENOTDIR');
  });

  it('reports a preset defined as both .yaml and .yml in one folder', () => {
    mockDir.setContent({
      shipped: {
        'alpha.yaml': preset('alpha', 'yaml twin'),
        'alpha.yml': preset('alpha', 'yml twin'),
        'beta.yaml': preset('beta'),
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });

    expect(catalog.problems).toHaveLength(1);
    const [problem] = catalog.problems;
    expect(problem.kind).toBe('invalid-file');
    expect(problem.message).toContain('"alpha"');
    expect(problem.message).toContain('defined twice');
    expect(problem.message).toContain('alpha.yaml');
    expect(problem.message).toContain('alpha.yml');
    // one preset named alpha, never two
    expect(catalog.presets.has('alpha')).toBe(true);
    expect(catalog.presets.has('beta')).toBe(true);
    expect(catalog.presets.size).toBe(2);
    expect(catalog.overrides).toEqual([]);
  });

  it('ignores files that are not preset files', () => {
    mockDir.setContent({
      shipped: {
        'alpha.yaml': preset('alpha'),
        'README.md': '# not a preset\nname: readme\n',
        'notes.txt': 'name: notes',
        'beta.json': '{"name": "beta"}',
        'alpha.yaml.bak': 'this: is: not: yaml',
        '.hidden.yaml': 'garbage: [',
        Makefile: 'all:\n\ttrue\n',
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });

    expect(catalog.problems).toEqual([]);
    expect([...catalog.invalid]).toEqual([]);
    expect([...catalog.presets.keys()]).toEqual(['alpha']);
  });

  it('records an invalid file in `invalid` and reports it, keeping the valid ones', () => {
    mockDir.setContent({
      shipped: {
        'alpha.yaml': preset('alpha'),
        'broken.yaml': 'name: broken\ndescription: x\nversion: one\n',
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });

    expect([...catalog.invalid]).toEqual(['broken']);
    expect(catalog.presets.has('broken')).toBe(false);
    expect(catalog.presets.has('alpha')).toBe(true);
    expect(catalog.problems).toHaveLength(1);
    expect(catalog.problems[0].kind).toBe('invalid-file');
    expect(catalog.problems[0].message).toContain('broken.yaml:3');
    expect(catalog.problems[0].message).toContain('"version"');
  });

  it('records an invalid override in `invalid` and reports it', () => {
    mockDir.setContent({
      shipped: { 'alpha.yaml': preset('alpha') },
      extra: { 'alpha.yaml': 'name: alpha\nversion: 1.0.0\n' },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
      extraDirs: [mockDir.resolve('extra')],
    });
    expect(catalog.invalid.has('alpha')).toBe(true);
    expect(catalog.problems).toHaveLength(1);
    expect(catalog.problems[0].message).toContain(
      path.join('extra', 'alpha.yaml'),
    );
    expect(catalog.problems[0].message).toContain('"description" is missing');
  });

  it('a valid override of an invalid shipped file is available and not invalid', () => {
    mockDir.setContent({
      shipped: { 'alpha.yaml': 'name: alpha\n' },
      extra: { 'alpha.yaml': preset('alpha', 'fixed') },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
      extraDirs: [mockDir.resolve('extra')],
    });
    expect(catalog.invalid.has('alpha')).toBe(false);
    expect(catalog.presets.get('alpha')?.description).toBe('fixed');
  });

  it('follows a symbolic link that stays inside its folder, as a Kubernetes ConfigMap mount has them', () => {
    mockDir.setContent({
      shipped: {
        '..2026_12_07_v1': { 'alpha.yaml': preset('alpha', 'through a link') },
        '..data': ({ symlink }) => symlink('..2026_12_07_v1'),
        'alpha.yaml': ({ symlink }) => symlink('..data/alpha.yaml'),
        'beta.yaml': ({ symlink }) => symlink('./sub/../real-beta.yml'),
        sub: {},
        'real-beta.yml': preset('real-beta'),
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });
    // beta.yaml reads real-beta.yml, whose name is not beta: read, not refused.
    expect(catalog.problems.map(p => p.message)).toEqual([
      expect.stringMatching(/beta\.yaml:1:7: field "name" is "real-beta"/),
    ]);
    expect(catalog.presets.get('alpha')?.description).toBe('through a link');
    expect(catalog.presets.get('alpha')?.source).toBe(
      mockDir.resolve('shipped/alpha.yaml'),
    );
  });

  it('judges links against where a linked folder really is', () => {
    mockDir.setContent({
      mounted: {
        'alpha.yaml': preset('alpha', 'in a linked folder'),
        'beta.yaml': ({ symlink }) => symlink('alpha.yaml'),
      },
      shipped: ({ symlink }) => symlink(mockDir.resolve('mounted')),
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });
    expect(catalog.presets.get('alpha')?.description).toBe(
      'in a linked folder',
    );
    // The link is followed (and its content found not to be beta's).
    expect(catalog.problems).toHaveLength(1);
    expect(catalog.problems[0].message).toContain('"alpha"');
  });

  it('refuses, without reading it, a link that points outside its folder', () => {
    const secretLine = 'root:$6$not-a-real-hash:19000:0:99999:7:::';
    mockDir.setContent({
      elsewhere: { 'shadow.yaml': `${secretLine}\n` },
      shipped: {
        'alpha.yaml': preset('alpha'),
        'x.yaml': ({ symlink }) =>
          symlink(mockDir.resolve('elsewhere/shadow.yaml')),
        'up.yaml': ({ symlink }) => symlink('../elsewhere/shadow.yaml'),
      },
      extra: {
        // A link into another preset folder leaves this one all the same.
        'beta.yaml': ({ symlink }) => symlink('../shipped/alpha.yaml'),
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
      extraDirs: [mockDir.resolve('extra')],
    });
    expect(catalog.problems.map(p => p.message)).toEqual([
      `${mockDir.resolve(
        'shipped/up.yaml',
      )}: is a symbolic link that points outside its preset folder ${mockDir.resolve(
        'shipped',
      )}, so it is not read`,
      `${mockDir.resolve(
        'shipped/x.yaml',
      )}: is a symbolic link that points outside its preset folder ${mockDir.resolve(
        'shipped',
      )}, so it is not read`,
      `${mockDir.resolve(
        'extra/beta.yaml',
      )}: is a symbolic link that points outside its preset folder ${mockDir.resolve(
        'extra',
      )}, so it is not read`,
    ]);
    for (const problem of catalog.problems) {
      expect(problem.kind).toBe('invalid-file');
      expect(problem.hint).toMatch(/copy the preset file into the folder/);
    }
    expect(JSON.stringify(catalog.problems)).not.toContain('root');
    expect([...catalog.invalid].sort()).toEqual(['beta', 'up', 'x']);
    expect([...catalog.presets.keys()]).toEqual(['alpha']);
  });

  it('refuses folders, pipes and devices named like preset files without opening them', () => {
    mockDir.setContent({
      shipped: {
        'alpha.yaml': preset('alpha'),
        'nested.yaml': { 'inner.yaml': preset('inner') },
        'null.yaml': ({ symlink }) => symlink('/dev/null'),
      },
    });
    // Opening a pipe for reading would wait for a writer forever.
    execFileSync('mkfifo', [mockDir.resolve('shipped/pipe.yaml')]);
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });
    expect(catalog.problems.map(p => p.message)).toEqual([
      `${mockDir.resolve(
        'shipped/nested.yaml',
      )}: is a folder, not a preset file, so it is not read`,
      // /dev/null is outside the folder: refused before its type matters.
      expect.stringContaining(
        'null.yaml: is a symbolic link that points outside',
      ),
      `${mockDir.resolve(
        'shipped/pipe.yaml',
      )}: is a named pipe, not a preset file, so it is not read`,
    ]);
    expect(catalog.problems[0].hint).toMatch(
      /remove it from the preset folder/,
    );
    expect([...catalog.presets.keys()]).toEqual(['alpha']);
  });

  it(`refuses a file over ${MAX_PRESET_FILE_BYTES} bytes, naming its size and the limit, and reads one at the limit`, () => {
    const atLimit = preset('alpha');
    mockDir.setContent({
      shipped: {
        'alpha.yaml': `${atLimit}#${'x'.repeat(
          MAX_PRESET_FILE_BYTES - atLimit.length - 2,
        )}\n`,
        'big.yaml': `${preset('big')}#${'x'.repeat(MAX_PRESET_FILE_BYTES)}\n`,
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });
    expect(catalog.problems).toEqual([
      {
        kind: 'invalid-file',
        message: `${mockDir.resolve('shipped/big.yaml')}: is 257 KiB (${
          MAX_PRESET_FILE_BYTES + preset('big').length + 2
        } bytes), over the 256 KiB limit of a preset file, so it is not read`,
        hint: expect.stringContaining('preset file you meant'),
      },
    ]);
    expect(catalog.invalid.has('big')).toBe(true);
    expect([...catalog.presets.keys()]).toEqual(['alpha']);
  });

  it('refuses, without reading it, a file whose name is not a preset name, escaping the name', () => {
    mockDir.setContent({
      shipped: {
        'alpha.yaml': preset('alpha'),
        'Alpha.yaml': preset('alpha'),
        'my_preset.yml': 'name: my_preset\n',
        'evil\u001b[2J\nfake line.yaml': preset('evil'),
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });
    expect(catalog.problems.map(p => p.message).sort()).toEqual(
      [
        `${mockDir.resolve(
          'shipped/Alpha.yaml',
        )}: the file name is not a valid preset name, so it is not read`,
        `${mockDir.resolve(
          'shipped/evil\\u001b[2J\\nfake line.yaml',
        )}: the file name is not a valid preset name, so it is not read`,
        `${mockDir.resolve(
          'shipped/my_preset.yml',
        )}: the file name is not a valid preset name, so it is not read`,
      ].sort(),
    );
    expect(catalog.problems[0].hint).toMatch(/kebab-case/);
    expect([...catalog.presets.keys()]).toEqual(['alpha']);
  });

  // Library bug (see the test report): a dangling symbolic link makes
  // `fs.statSync` throw, so the catalog throws instead of reporting it.
  it('reports a dangling symbolic link instead of throwing', () => {
    mockDir.setContent({
      shipped: {
        'alpha.yaml': preset('alpha'),
        'dangling.yaml': ({ symlink }) =>
          symlink(mockDir.resolve('nowhere.yaml')),
      },
    });
    const catalog = loadPresetCatalog({
      shippedDir: mockDir.resolve('shipped'),
    });
    expect(catalog.presets.has('alpha')).toBe(true);
    expect(catalog.problems).toHaveLength(1);
    expect(catalog.problems[0].message).toContain('dangling.yaml');
  });
});

describe('parsePresetsPath', () => {
  it('splits on the path delimiter, trims, drops empty entries and resolves', () => {
    expect(parsePresetsPath(undefined)).toEqual([]);
    expect(parsePresetsPath('')).toEqual([]);
    expect(parsePresetsPath(' : :: ')).toEqual([]);
    expect(parsePresetsPath(' /a/presets :/b/presets: ')).toEqual([
      '/a/presets',
      '/b/presets',
    ]);
    expect(parsePresetsPath('relative/presets')).toEqual([
      path.resolve(process.cwd(), 'relative/presets'),
    ]);
  });
});
