import { createMockDirectory } from '@backstage/backend-test-utils';
import { resolvePresets } from './resolvePresets';
import { parsePresetFile } from '../catalog/parsePresetFile';
import { readPlatformPreset } from '../catalog/platformPreset';
import { Preset, PresetDerivedVariable } from '../model/types';
import {
  derivedInputs,
  deriveVariables,
  selectionDerivedVariables,
} from './derivedVariables';

const derive = (
  definitions: Record<string, PresetDerivedVariable>,
  env: Record<string, string | undefined> = {},
) =>
  Object.fromEntries(
    deriveVariables(new Map(Object.entries(definitions)), env),
  );

describe('deriveVariables', () => {
  it('takes the first case whose conditions all hold, and leaves the value unset when none does', () => {
    const definitions: Record<string, PresetDerivedVariable> = {
      PICK: {
        description: 'picks',
        cases: [
          { when: { set: 'A', unset: 'B' }, value: 'a-only' },
          { when: { url: 'A' }, value: 'a-url' },
          { when: { equals: { A: 'x', B: 'y' } }, value: 'x-and-y' },
          { when: { set: 'C' } },
          { when: { set: 'D' }, value: 'd' },
        ],
      },
    };
    expect(derive(definitions, { A: ' plain ' }).PICK).toBe('a-only');
    expect(derive(definitions, { A: 'https://a', B: 'b' }).PICK).toBe('a-url');
    // a URL other than http(s) is not one
    expect(derive(definitions, { A: 'ftp://a', B: 'b' }).PICK).toBeUndefined();
    expect(derive(definitions, { A: ' x ', B: 'y' }).PICK).toBe('x-and-y');
    // a case without a value leaves it unset, and ends the search
    expect(derive(definitions, { C: 'c', D: 'd' }).PICK).toBeUndefined();
    expect(derive(definitions, { D: 'd' }).PICK).toBe('d');
    // blank is unset
    expect(derive(definitions, { A: '  ', D: 'd' }).PICK).toBe('d');
  });

  it('fills templates with trimmed values and transforms, and $${ as a literal', () => {
    const definitions: Record<string, PresetDerivedVariable> = {
      HOST: { description: 'h', cases: [{ value: '${U|host}' }] },
      HREF: {
        description: 'u',
        cases: [{ value: '${U|url|no-trailing-slash}/api' }],
      },
      PLAIN: { description: 'p', cases: [{ value: '${U|no-trailing-slash}' }] },
      ESCAPED: { description: 'e', cases: [{ value: '$${U} is ${U}' }] },
    };
    expect(
      derive(definitions, { U: ' https://GHE.example.com:8443/// ' }),
    ).toEqual({
      HOST: 'ghe.example.com:8443',
      HREF: 'https://ghe.example.com:8443/api',
      PLAIN: 'https://GHE.example.com:8443',
      ESCAPED: '${U} is https://GHE.example.com:8443///',
    });
    // an unset reference, or a transform that does not apply, unsets the value
    expect(derive(definitions, { U: 'not a url' })).toEqual({
      HOST: undefined,
      HREF: undefined,
      PLAIN: 'not a url',
      ESCAPED: '${U} is not a url',
    });
    expect(derive(definitions).PLAIN).toBeUndefined();
  });

  it('reads derived values in other definitions, the environment in its own, and ignores the environment otherwise', () => {
    const definitions: Record<string, PresetDerivedVariable> = {
      OUTER: { description: 'o', cases: [{ value: '${INNER}/x' }] },
      INNER: {
        description: 'i',
        cases: [
          { when: { set: 'INNER' }, value: 'env:${INNER}' },
          { value: 'default' },
        ],
      },
      LOOP_A: { description: 'a', cases: [{ value: 'a(${LOOP_B})' }] },
      LOOP_B: { description: 'b', cases: [{ value: 'b(${LOOP_A})' }] },
    };
    expect(derive(definitions, { OUTER: 'ignored' }).OUTER).toBe('default/x');
    expect(derive(definitions, { INNER: 'given' }).OUTER).toBe('env:given/x');
    // a cycle reads the environment where it closes, instead of looping
    expect(derive(definitions, { LOOP_A: 'env-a' }).LOOP_A).toBe('a(b(env-a))');
  });

  it('makes one random value per process and name', () => {
    const definitions: Record<string, PresetDerivedVariable> = {
      TOKEN: { description: 't', secret: true, cases: [{ random: true }] },
      OTHER: { description: 'o', cases: [{ random: true }] },
    };
    const first = derive(definitions);
    expect(first.TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(first.OTHER).toMatch(/^[0-9a-f]{64}$/);
    expect(first.OTHER).not.toBe(first.TOKEN);
    expect(derive(definitions)).toEqual(first);
  });
});

describe('derivedInputs', () => {
  it('lists the variables of conditions and templates once each', () => {
    expect(
      derivedInputs({
        description: 'd',
        cases: [
          {
            when: { set: 'A', url: 'B', equals: { C: 'x' } },
            value: '${A}${D|host}$${E}',
          },
          { when: { unset: 'F' }, random: true },
        ],
      }),
    ).toEqual(['A', 'B', 'C', 'D', 'F']);
  });
});

function preset(name: string, derived: Preset['derived']): Preset {
  return {
    name,
    description: name,
    version: '1.0.0',
    requires: { presets: [], groups: {}, oneOf: [], variables: {} },
    derived,
    plugins: [],
    appConfig: {},
    source: `/presets/${name}.yaml`,
  };
}

describe('selectionDerivedVariables', () => {
  const host: PresetDerivedVariable = {
    description: 'host',
    cases: [{ value: '${URL|host}' }],
  };

  it('takes the platform and every selected preset, and a definition shared alike once', () => {
    const { definitions, problems } = selectionDerivedVariables(
      [
        preset('one', { HOST: host }),
        preset('two', { HOST: { ...host, description: 'same' }, X: host }),
      ],
      preset('platform', { BACKEND: host }),
    );
    expect(problems).toEqual([]);
    expect([...definitions.keys()]).toEqual(['BACKEND', 'HOST', 'X']);
  });

  it("refuses a preset redefining another selected preset's or the platform's value, naming both", () => {
    const { problems } = selectionDerivedVariables(
      [
        preset('one', { HOST: host }),
        preset('two', { HOST: { ...host, secret: true }, BACKEND: host }),
      ],
      preset('platform', { BACKEND: { ...host, cases: [{ random: true }] } }),
    );
    expect(problems).toEqual([
      {
        kind: 'invalid-file',
        message:
          '/presets/two.yaml: preset "two" declares derived.HOST unlike preset "one" (/presets/one.yaml), and both are selected',
        hint: 'give derived.HOST the same cases and secret flag in both presets, or rename one',
      },
      {
        kind: 'invalid-file',
        message:
          '/presets/two.yaml: preset "two" declares derived.BACKEND, which the platform derives (/presets/platform.yaml)',
        hint: 'rename BACKEND in preset "two", or reference the platform\'s value as it is',
      },
    ]);
  });
});

describe('derived in a preset file', () => {
  const parse = (derived: string[]) =>
    parsePresetFile(
      '/presets/acme.yaml',
      [
        'name: acme',
        'description: derives',
        'version: 1.0.0',
        'derived:',
        ...derived.map(line => `  ${line}`),
        '',
      ].join('\n'),
    );

  it('is read into the model', () => {
    const { preset: read, problems } = parse([
      'ACME_URL:',
      '  description: the URL',
      '  secret: false',
      '  cases:',
      '    - when: { set: ACME_BASE }',
      '      value: ${ACME_BASE|no-trailing-slash}',
      '    - random: true',
    ]);
    expect(problems).toEqual([]);
    expect(read!.derived).toEqual({
      ACME_URL: {
        description: 'the URL',
        secret: false,
        cases: [
          {
            when: { set: 'ACME_BASE' },
            value: '${ACME_BASE|no-trailing-slash}',
          },
          { random: true },
        ],
      },
    });
  });

  it('reports each mistake with the file, line, field and fix', () => {
    const { problems } = parse([
      'ACME_URL:',
      '  description: the URL',
      '  cases:',
      '    - when: { set: 1ACME }',
      '      value: ${ACME_BASE|lower}',
      '    - value: x',
      '      random: true',
      '    - when: {}',
      '      random: false',
      'ACME_EMPTY:',
      '  description: nothing',
      '  cases: []',
      'acme-bad:',
      '  cases:',
      '    - value: x',
    ]);
    expect(problems.map(p => [p.message, p.hint])).toEqual([
      [
        '/presets/acme.yaml:17:3: variable name "acme-bad" in "derived" is not a valid environment variable name',
        'use letters, digits and underscores, not starting with a digit',
      ],
      [
        '/presets/acme.yaml:8:22: field "derived.ACME_URL.cases.0.when.set" must be a variable name',
        'use letters, digits and underscores, not starting with a digit',
      ],
      [
        '/presets/acme.yaml:9:16: field "derived.ACME_URL.cases.0.value" must be text with ${VARIABLE} references, each optionally followed by transforms (|url, |host, |no-trailing-slash)',
        'close every ${ with }, use only those transforms, and write $${ for a literal ${',
      ],
      [
        '/presets/acme.yaml:10:9: field "derived.ACME_URL.cases.1" has both value and random',
        'keep value (a template) or random: true, not both',
      ],
      [
        '/presets/acme.yaml:12:15: field "derived.ACME_URL.cases.2.when" must not be empty',
        undefined,
      ],
      [
        '/presets/acme.yaml:13:17: field "derived.ACME_URL.cases.2.random" must be true',
        'write random: true, or remove it',
      ],
      [
        '/presets/acme.yaml:16:12: field "derived.ACME_EMPTY.cases" must not be empty',
        undefined,
      ],
      [
        '/presets/acme.yaml:17:3: field "derived.acme-bad.description" is missing',
        'add a one-line description',
      ],
    ]);
  });
});

describe('the platform file', () => {
  const mockDir = createMockDirectory();
  afterAll(() => mockDir.remove());

  it('is optional, and a broken one refuses the selection like a broken preset', () => {
    mockDir.setContent({ presets: {} });
    expect(readPlatformPreset(mockDir.resolve('presets'))).toEqual({
      problems: [],
    });

    mockDir.setContent({
      presets: {
        platform: {
          'platform.yaml': [
            'name: platform',
            'description: the platform',
            'version: 1.0.0',
            'derived:',
            '  BACKEND_URL:',
            '    description: the URL',
            '    cases:',
            '      - value: ${BACKEND_BASE_URL|lowercase}',
            '',
          ].join('\n'),
        },
      },
    });
    const { problems } = resolvePresets({
      rootDir: mockDir.path,
      env: {},
      pluginsFrom: [],
    });
    expect(problems).toEqual([
      expect.objectContaining({
        kind: 'invalid-file',
        message: expect.stringMatching(
          /platform\/platform\.yaml:8:16: field "derived\.BACKEND_URL\.cases\.0\.value" must be text with \$\{VARIABLE\} references/,
        ),
      }),
    ]);
  });
});

describe('a file condition', () => {
  const mockDir = createMockDirectory();

  // The preset names a default file an image may ship, as a literal path;
  // here the path is in a temporary directory.
  function definitionsFor(defaultFile: string) {
    const { preset: read, problems } = parsePresetFile(
      '/presets/acme.yaml',
      [
        'name: acme',
        'description: reads a policy file',
        'version: 1.0.0',
        'derived:',
        '  ACME_POLICY_PATH:',
        '    description: ACME_POLICY when set, else the image default when it exists',
        '    cases:',
        '      - when: { set: ACME_POLICY }',
        '        value: ${ACME_POLICY}',
        `      - when: { file: ${defaultFile} }`,
        `        value: ${defaultFile}`,
        '',
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    return read!.derived;
  }

  it('holds when the path is an existing regular file, and not for a missing path or a directory', () => {
    const defaultFile = mockDir.resolve('app/policy.csv');
    const definitions = definitionsFor(defaultFile);
    expect(derive(definitions).ACME_POLICY_PATH).toBeUndefined();

    mockDir.addContent({ 'app/policy.csv': 'p, role:default/dev, x, read, allow' });
    expect(derive(definitions).ACME_POLICY_PATH).toBe(defaultFile);
    // the operator's own file wins over the default
    expect(
      derive(definitions, { ACME_POLICY: '/etc/acme.csv' }).ACME_POLICY_PATH,
    ).toBe('/etc/acme.csv');

    mockDir.clear();
    mockDir.addContent({ 'app/policy.csv': {} });
    expect(derive(definitions).ACME_POLICY_PATH).toBeUndefined();
  });

  it('takes an absolute path only', () => {
    const { problems } = parsePresetFile(
      '/presets/acme.yaml',
      [
        'name: acme',
        'description: derives',
        'version: 1.0.0',
        'derived:',
        '  ACME_POLICY_PATH:',
        '    description: the default file',
        '    cases:',
        '      - when: { file: app/policy.csv }',
        '        value: app/policy.csv',
        '',
      ].join('\n'),
    );
    expect(problems.map(p => [p.message, p.hint])).toEqual([
      [
        '/presets/acme.yaml:8:23: field "derived.ACME_POLICY_PATH.cases.0.when.file" must be an absolute path',
        'write the full path from / (a preset is read from any directory)',
      ],
    ]);
  });
});
