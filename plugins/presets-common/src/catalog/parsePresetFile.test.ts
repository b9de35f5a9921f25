/*
 * The malformed corpus lives in src/__fixtures__/malformed: one file per
 * mistake, each otherwise valid (its `name` equals its file name) so that
 * the problem reported is the mistake under test and nothing else.
 */
import fs from 'fs';
import path from 'path';
import {
  parsePresetFile,
  parsePresetFileWithPositions,
} from './parsePresetFile';
import { itReadsOnTheFastPath } from '../__testUtils__/itReadsOnTheFastPath';

const fixtures = path.resolve(__dirname, '../__fixtures__');
const malformedDir = path.join(fixtures, 'malformed');

function parseFixture(...segments: string[]) {
  const file = path.join(fixtures, ...segments);
  return { file, result: parsePresetFile(file, fs.readFileSync(file, 'utf8')) };
}

/** How the parser shows a file: relative to the working directory. */
function shown(file: string) {
  return path.relative(process.cwd(), file);
}

interface MalformedCase {
  /** File name under __fixtures__/malformed. */
  file: string;
  /** Text the message must contain to name the field (or the mistake). */
  field: string;
  /**
   * The line(s) the message may point at. Two lines where either the key or
   * the first line of its block value is a fair answer.
   */
  lines: number[];
  /** Further text the message must contain. */
  mentions?: string;
}

// prettier-ignore
const malformed: MalformedCase[] = [
  // YAML that does not parse
  { file: 'yaml-syntax-error.yaml', field: 'not valid YAML', lines: [3] },
  { file: 'unclosed-flow-sequence.yaml', field: 'not valid YAML', lines: [5, 6] },
  { file: 'tabs-indentation.yaml', field: 'not valid YAML', lines: [5], mentions: 'Tabs' },
  { file: 'duplicate-key.yaml', field: 'not valid YAML', lines: [4], mentions: 'unique' },
  { file: 'multiple-documents.yaml', field: 'not valid YAML', lines: [4] },
  // not a mapping
  { file: 'top-level-list.yaml', field: 'must be a YAML mapping', lines: [1] },
  { file: 'empty-file.yaml', field: 'must be a YAML mapping', lines: [1] },
  { file: 'scalar-document.yaml', field: 'must be a YAML mapping', lines: [1] },
  // top level
  { file: 'unknown-top-level-key.yaml', field: '"maintainer"', lines: [4], mentions: 'unknown field' },
  { file: 'typo-exclusive-group.yaml', field: '"exclusive-group"', lines: [4], mentions: 'unknown field' },
  { file: 'missing-name.yaml', field: '"name" is missing', lines: [1] },
  { file: 'name-mismatch.yaml', field: '"name"', lines: [1], mentions: 'name-mismatch.yaml' },
  { file: 'uppercase-name.yaml', field: '"name"', lines: [1], mentions: 'kebab-case' },
  { file: 'name-with-slash.yaml', field: '"name"', lines: [1], mentions: 'kebab-case' },
  { file: 'name-not-string.yaml', field: '"name"', lines: [1], mentions: 'string' },
  { file: 'missing-description.yaml', field: '"description" is missing', lines: [1] },
  { file: 'empty-description.yaml', field: '"description"', lines: [2], mentions: 'empty' },
  { file: 'missing-version.yaml', field: '"version" is missing', lines: [1] },
  { file: 'version-number.yaml', field: '"version"', lines: [3], mentions: 'string' },
  { file: 'version-v1.yaml', field: '"version"', lines: [3], mentions: 'semantic version' },
  { file: 'version-four-parts.yaml', field: '"version"', lines: [3], mentions: 'semantic version' },
  { file: 'exclusive-group-uppercase.yaml', field: '"exclusive_group"', lines: [4], mentions: 'kebab-case' },
  { file: 'appconfig-string.yaml', field: '"appConfig"', lines: [4], mentions: 'mapping' },
  { file: 'appconfig-list.yaml', field: '"appConfig"', lines: [4, 5], mentions: 'mapping' },
  { file: 'each-without-value.yaml', field: 'appConfig.catalog.providers.github', lines: [10, 11], mentions: '$each needs a $value' },
  // requires
  { file: 'requires-list.yaml', field: '"requires"', lines: [4, 5], mentions: 'mapping' },
  { file: 'requires-unknown-key.yaml', field: '"plugins" in "requires"', lines: [6], mentions: 'unknown field' },
  { file: 'presets-not-list.yaml', field: '"requires.presets"', lines: [5], mentions: 'list' },
  { file: 'preset-dep-bad-name.yaml', field: '"requires.presets.0"', lines: [6], mentions: 'kebab-case' },
  { file: 'duplicate-dep.yaml', field: '"requires.presets"', lines: [5, 6], mentions: 'twice' },
  { file: 'variables-list.yaml', field: '"requires.variables"', lines: [5, 6], mentions: 'mapping' },
  { file: 'variable-null.yaml', field: '"requires.variables.API_TOKEN"', lines: [6], mentions: 'mapping' },
  { file: 'variable-missing-description.yaml', field: '"requires.variables.API_TOKEN.description" is missing', lines: [6, 7] },
  { file: 'required-missing.yaml', field: '"requires.variables.API_TOKEN.required" is missing', lines: [6, 7] },
  { file: 'required-string.yaml', field: '"requires.variables.API_TOKEN.required"', lines: [8], mentions: 'boolean' },
  { file: 'required-number.yaml', field: '"requires.variables.API_TOKEN.required"', lines: [8], mentions: 'boolean' },
  { file: 'variable-name-dash.yaml', field: '"API-TOKEN"', lines: [6], mentions: 'not a valid environment variable name' },
  { file: 'example-object.yaml', field: '"requires.variables.API_TOKEN.example"', lines: [9, 10] },
  { file: 'docs-empty.yaml', field: '"requires.variables.API_TOKEN.docs"', lines: [9], mentions: 'empty' },
  { file: 'variable-unknown-key.yaml', field: '"sensitive" in "requires.variables.API_TOKEN"', lines: [9], mentions: 'unknown field' },
  // plugins
  { file: 'plugins-mapping.yaml', field: '"plugins"', lines: [4, 5], mentions: 'list' },
  { file: 'plugin-without-package.yaml', field: '"plugins.0.package" is missing', lines: [5] },
  { file: 'plugin-empty-package.yaml', field: '"plugins.0.package"', lines: [5], mentions: 'empty' },
  { file: 'plugin-disabled-string.yaml', field: '"plugins.0.disabled"', lines: [6], mentions: 'boolean' },
  { file: 'plugin-unknown-key.yaml', field: '"config" in "plugins.0"', lines: [7], mentions: 'unknown field' },
  { file: 'plugin-config-list.yaml', field: '"plugins.0.pluginConfig"', lines: [6, 7], mentions: 'mapping' },
];

describe('parsePresetFile', () => {
  describe('the malformed corpus', () => {
    it('has at least 30 files, each covered by exactly one case', () => {
      const files = fs.readdirSync(malformedDir).sort();
      expect(files.length).toBeGreaterThanOrEqual(30);
      expect(malformed.map(c => c.file).sort()).toEqual(files);
    });

    it.each(malformed)(
      '$file is rejected, naming the file, line and field',
      ({ file, field, lines, mentions }) => {
        const { file: absolute, result } = parseFixture('malformed', file);

        expect(result.preset).toBeUndefined();
        expect(result.problems.length).toBeGreaterThan(0);
        for (const problem of result.problems) {
          expect(problem.kind).toBe('invalid-file');
          // every problem names the file, relative to the working directory
          expect(problem.message.startsWith(`${shown(absolute)}:`)).toBe(true);
        }

        const matching = result.problems.filter(p => p.message.includes(field));
        expect(matching).not.toHaveLength(0);
        const problem = matching[0];
        const [, line, column] =
          problem.message
            .slice(shown(absolute).length)
            .match(/^:(\d+):(\d+): /) ?? [];
        expect(lines).toContain(Number(line));
        expect(Number(column)).toBeGreaterThanOrEqual(1);
        // cases without `mentions` only need to name the field, checked above
        expect(problem.message).toContain(mentions ?? field);
      },
    );

    it('reports the name mismatch with both names and a fix', () => {
      const { result } = parseFixture('malformed', 'name-mismatch.yaml');
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0].message).toContain('"some-other-name"');
      expect(result.problems[0].hint).toContain('name: name-mismatch');
    });

    it('suggests the allowed keys for a typo', () => {
      const { result } = parseFixture('malformed', 'typo-exclusive-group.yaml');
      expect(result.problems[0].hint).toContain('exclusive_group');
    });

    it('tells the operator how to write a boolean', () => {
      const { result } = parseFixture('malformed', 'required-string.yaml');
      expect(result.problems[0].hint).toMatch(/true or false/);
    });

    it('reports every mistake of a file, not just the first', () => {
      const text = [
        'name: several-mistakes',
        'description: ""',
        'version: "1.0"',
        'colour: blue',
        'requires:',
        '  variables:',
        '    TOKEN:',
        '      required: "yes"',
        '',
      ].join('\n');
      const result = parsePresetFile('/somewhere/several-mistakes.yaml', text);
      expect(result.preset).toBeUndefined();
      const messages = result.problems.map(p => p.message).join('\n');
      // Columns point at the offending value, or at the key of an unknown field.
      expect(messages).toContain(
        '/somewhere/several-mistakes.yaml:2:14: field "description" must not be empty',
      );
      expect(messages).toContain(
        '/somewhere/several-mistakes.yaml:3:10: field "version"',
      );
      expect(messages).toContain(
        '/somewhere/several-mistakes.yaml:4:1: unknown field "colour"',
      );
      expect(messages).toContain(
        '"requires.variables.TOKEN.description" is missing',
      );
      expect(messages).toMatch(
        /:8:17: field "requires\.variables\.TOKEN\.required" must be a boolean/,
      );
    });

    it('quotes a key, a value or a parser message of the file only as a short, escaped excerpt', () => {
      const secret =
        'root:$6$Zm9vYmFyYmF6cXV4c2VjcmV0aGFzaA:19000:0:99999:7:::';
      const text = [
        `${secret}: x`,
        'name: "a-name\\u001b[31m that runs on and on and on and on past forty characters"',
        'description: d',
        'version: 1.0.0',
        'requires:',
        '  variables:',
        `    "${'V'.repeat(60)}\\nNEXT":`,
        '      required: true',
        '',
      ].join('\n');
      const result = parsePresetFile('/somewhere/quoting.yaml', text);
      const messages = result.problems.map(p => p.message);
      expect(messages).toEqual(
        expect.arrayContaining([
          `/somewhere/quoting.yaml:1:1: unknown field "${secret.slice(
            0,
            40,
          )}…" in the top level`,
          `/somewhere/quoting.yaml:7:5: variable name "${'V'.repeat(
            40,
          )}…" in "requires.variables" is not a valid environment variable name`,
          `/somewhere/quoting.yaml:7:5: field "requires.variables.${'V'.repeat(
            40,
          )}….description" is missing`,
        ]),
      );
      const name = messages.find(m => m.includes('field "name"'));
      expect(name).toBe(
        '/somewhere/quoting.yaml:2:7: field "name" must be kebab-case (lower-case letters and digits separated by single dashes)',
      );
      for (const message of messages) {
        expect(message).not.toContain(secret);
        expect(message).not.toContain('\u001b');
        expect(message).not.toContain('\n');
      }
    });

    it('escapes and shortens the name it compares with the file name', () => {
      const result = parsePresetFile(
        '/somewhere/short.yaml',
        `name: ${'a'.repeat(50)}\ndescription: d\nversion: 1.0.0\n`,
      );
      expect(result.problems.map(p => p.message)).toEqual([
        `/somewhere/short.yaml:1:7: field "name" is "${'a'.repeat(
          40,
        )}…" but the file is named "short.yaml"`,
      ]);
    });

    it('keeps a YAML parser message that quotes the source short and on one line', () => {
      const result = parsePresetFile(
        '/somewhere/tagged.yaml',
        // The parser's message quotes the whole block scalar header.
        `name: |${'root:$6$secret-hash-'.repeat(8)}\n  tagged\n`,
      );
      expect(result.problems.length).toBeGreaterThan(0);
      for (const { message } of result.problems) {
        const quoted = message.slice(
          message.indexOf('not valid YAML: ') + 'not valid YAML: '.length,
        );
        expect(message).toContain('not valid YAML: ');
        expect(Array.from(quoted).length).toBeLessThanOrEqual(97);
        expect(message).not.toContain('root:$6$secret-hash-'.repeat(3));
      }
      // The parser's own words are not cut.
      expect(result.problems.map(p => p.message)).toContainEqual(
        expect.stringMatching(
          /not valid YAML: Block scalars with more-indented leading empty lines must use an explicit indentation indicator$/,
        ),
      );
    });

    it('shows a file outside the working directory by its absolute path', () => {
      const result = parsePresetFile(
        '/elsewhere/x.yaml',
        'name: y\ndescription: d\nversion: 1.0.0\n',
      );
      expect(result.problems[0].message).toMatch(/^\/elsewhere\/x\.yaml:1:7: /);
    });
  });

  describe('valid files', () => {
    it('parses a file using every field into the right Preset', () => {
      const { file, result } = parseFixture('valid', 'full-example.yaml');
      expect(result.problems).toEqual([]);
      expect(result.preset).toEqual({
        name: 'full-example',
        description: 'A preset that uses every field',
        version: '1.2.3-rc.1',
        exclusiveGroup: 'identity',
        requires: {
          presets: ['ldap', 'recommended'],
          groups: {},
          oneOf: [],
          variables: {
            EXAMPLE_TOKEN: {
              description: 'The token',
              required: true,
              docs: 'https://example.com/docs/token',
              example: 'tok_XXXX',
            },
            // examples are shown to operators as text
            EXAMPLE_PORT: {
              description: 'A port',
              required: false,
              example: '8080',
            },
            EXAMPLE_FLAG: {
              description: 'A flag',
              required: false,
              example: 'true',
            },
          },
        },
        derived: {
          EXAMPLE_URL: {
            description: 'The service URL',
            secret: false,
            cases: [
              {
                when: {
                  url: 'EXAMPLE_HOST',
                  set: 'EXAMPLE_PORT',
                  equals: { EXAMPLE_FLAG: 'true' },
                },
                value: '${EXAMPLE_HOST|host}:${EXAMPLE_PORT}',
              },
              { when: { unset: 'EXAMPLE_FLAG' } },
              { random: true },
            ],
          },
        },
        plugins: [
          {
            package:
              'oci://${PLUGIN_REGISTRY}/example:bs_${BACKSTAGE_VERSION}!example-plugin',
            disabled: false,
            integrity: 'sha512-abc',
            pluginConfig: {
              dynamicPlugins: { frontend: { 'example.plugin': {} } },
            },
          },
          { package: './dynamic-plugins/dist/example-backend', disabled: true },
        ],
        // ${...} in appConfig is left for Backstage's own substitution
        appConfig: { example: { token: '${EXAMPLE_TOKEN}', list: ['a', 'b'] } },
        source: file,
      });
    });

    it('fills defaults for a minimal .yml file', () => {
      const { file, result } = parseFixture('valid', 'minimal.yml');
      expect(result.problems).toEqual([]);
      expect(result.preset).toEqual({
        name: 'minimal',
        description: 'Only the required fields',
        version: '0.0.1',
        requires: { presets: [], groups: {}, oneOf: [], variables: {} },
        derived: {},
        plugins: [],
        appConfig: {},
        source: file,
      });
      expect(result.preset).not.toHaveProperty('exclusiveGroup');
    });

    it('accepts empty requires, plugins and appConfig blocks', () => {
      const result = parsePresetFile(
        '/x/empty-blocks.yaml',
        'name: empty-blocks\ndescription: d\nversion: 10.20.30\nrequires: {}\nplugins: []\nappConfig: {}\n',
      );
      expect(result.problems).toEqual([]);
      expect(result.preset?.requires).toEqual({
        presets: [],
        groups: {},
        oneOf: [],
        variables: {},
      });
    });
  });

  describe('the secret flag of a variable', () => {
    const withVariables = (...lines: string[]) =>
      [
        'name: flags',
        'description: d',
        'version: 1.0.0',
        'requires:',
        '  variables:',
        ...lines,
        '',
      ].join('\n');

    it('keeps an explicit flag and leaves a missing one unset, to be inferred', () => {
      const result = parsePresetFile(
        '/x/flags.yaml',
        withVariables(
          '    ACME_TOKEN:',
          '      description: looks secret, is not',
          '      required: true',
          '      secret: false',
          '    ACME_REALM:',
          '      description: looks harmless, is secret',
          '      required: true',
          '      secret: true',
          '    ACME_ORG:',
          '      description: no flag',
          '      required: false',
        ),
      );
      expect(result.problems).toEqual([]);
      const variables = result.preset!.requires.variables;
      expect(variables.ACME_TOKEN.secret).toBe(false);
      expect(variables.ACME_REALM.secret).toBe(true);
      expect(variables.ACME_ORG).not.toHaveProperty('secret');
    });

    it('reports a flag that is not a boolean with its line and how to write it', () => {
      const result = parsePresetFile(
        '/x/flags.yaml',
        withVariables(
          '    ACME_TOKEN:',
          '      description: the token',
          '      required: true',
          '      secret: "yes"',
        ),
      );
      expect(result.preset).toBeUndefined();
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0].message).toBe(
        '/x/flags.yaml:9:15: field "requires.variables.ACME_TOKEN.secret" must be a boolean',
      );
      expect(result.problems[0].hint).toMatch(/true or false/);
    });
  });

  // Mistakes that once crashed the parser or slipped through it.
  describe('regressions', () => {
    // so the cases below cannot pass for a trivial reason
    it('has its fixtures', () => {
      expect(fs.readdirSync(path.join(fixtures, 'regressions')).sort()).toEqual(
        ['alias-bomb.yaml', 'undefined-alias.yaml', 'version-v-prefix.yaml'],
      );
    });

    it('reports an alias to an undefined anchor as a problem instead of throwing', () => {
      const { result } = parseFixture('regressions', 'undefined-alias.yaml');
      expect(result.preset).toBeUndefined();
      expect(result.problems[0].message).toContain(':2:14: ');
    });

    it('reports an alias bomb as a problem instead of throwing', () => {
      const { result } = parseFixture('regressions', 'alias-bomb.yaml');
      expect(result.preset).toBeUndefined();
      expect(result.problems.length).toBeGreaterThan(0);
    });

    it('rejects a version with a "v" prefix (not semver)', () => {
      const { result } = parseFixture('regressions', 'version-v-prefix.yaml');
      expect(result.preset).toBeUndefined();
      expect(result.problems[0].message).toContain('"version"');
    });

    it('does not tell the operator a variable name must be kebab-case', () => {
      const { result } = parseFixture('malformed', 'variable-name-dash.yaml');
      for (const problem of result.problems) {
        expect(problem.message).not.toContain('kebab-case');
      }
    });
  });

  // Every boot parses every preset: the parser keeps positions only for a
  // file with something to report.
  describe('the fast path', () => {
    const validFiles = [
      path.join(fixtures, 'valid/full-example.yaml'),
      path.join(fixtures, 'valid/minimal.yml'),
    ];

    // The module object the parser calls into, not an import's copy of it.
    const yaml: typeof import('yaml') = require('yaml');
    afterEach(() => jest.restoreAllMocks());

    itReadsOnTheFastPath(validFiles);

    it('builds positions for a file with a mistake', () => {
      const parseDocument = jest.spyOn(yaml, 'parseDocument');
      const { result } = parseFixture('malformed', 'required-string.yaml');
      expect(parseDocument).toHaveBeenCalled();
      expect(result.problems[0].message).toMatch(/:8:\d+: /);
    });

    it('reads values as YAML 1.2 core does: a date stays a string, << is a plain key', () => {
      const result = parsePresetFile(
        '/x/values.yaml',
        [
          'name: values',
          'description: d',
          'version: 1.0.0',
          'appConfig:',
          '  when: 2024-01-31',
          '  octal: 0o17',
          '  "<<": { merged: false }',
          '  empty:',
          '',
        ].join('\n'),
      );
      expect(result.problems).toEqual([]);
      expect(result.preset?.appConfig).toEqual({
        when: '2024-01-31',
        octal: 15,
        '<<': { merged: false },
        empty: null,
      });
    });

    it('reads the numbers the two parsers disagree on as the position-keeping parse does', () => {
      const text = [
        'name: numbers',
        'description: d',
        'version: 1.0.0',
        'appConfig:',
        '  binary: 0b101',
        '  signedHex: -0x1f',
        '  signedOctal: +0o7',
        '  negativeFraction: -.5',
        '',
      ].join('\n');
      const result = parsePresetFile('/x/numbers.yaml', text);
      expect(result.preset?.appConfig).toEqual({
        binary: '0b101',
        signedHex: '-0x1f',
        signedOctal: '+0o7',
        negativeFraction: -0.5,
      });
      expect(result).toEqual(
        parsePresetFileWithPositions('/x/numbers.yaml', text),
      );
    });

    it('accepts aliases to lists and mappings as the position-keeping parse does', () => {
      const text = [
        'name: aliases',
        'description: d',
        'version: 1.0.0',
        'appConfig:',
        '  a: &rule { allow: [read] }',
        '  b: *rule',
        '',
      ].join('\n');
      const result = parsePresetFile('/x/aliases.yaml', text);
      expect(result.problems).toEqual([]);
      expect(result.preset?.appConfig).toEqual({
        a: { allow: ['read'] },
        b: { allow: ['read'] },
      });
      expect(result).toEqual(
        parsePresetFileWithPositions('/x/aliases.yaml', text),
      );
    });
  });
});
