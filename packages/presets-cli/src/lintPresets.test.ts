import fs from 'fs';
import { resolve } from 'path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  displayPath,
  MAX_PRESET_FILE_BYTES,
} from '@devportal/plugin-presets-common';
import {
  LintFinding,
  LintResult,
  lintPresets,
  variablePrefixes,
} from './lintPresets';
import { runPresetsCli } from './runPresetsCli';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';

const rootDir = FIXTURE_CATALOG_ROOT;
const fixtures = resolve(__dirname, '__fixtures__/lint');
const fixture = (name: string) => resolve(fixtures, `${name}.yaml`);
const shown = (name: string) => displayPath(fixture(name));

function lint(name: string) {
  return lintPresets([fixture(name)], { rootDir });
}

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runPresetsCli(argv, {
    env: {},
    rootDir,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('lintPresets', () => {
  it('finds nothing in a preset that uses declared, platform, derived and escaped references', () => {
    expect(lint('clean')).toEqual({ ok: true, errors: [], warnings: [] });
  });

  it('counts a declared variable as used when a derived variable it feeds is used', () => {
    expect(lint('github-enterprise')).toEqual({
      ok: true,
      errors: [],
      warnings: [],
    });
  });

  it('checks what derived values read, and counts what a used one reads as used', () => {
    expect(lint('derived-references')).toEqual<LintResult>({
      ok: false,
      errors: [
        {
          rule: 'undeclared-variable',
          file: shown('derived-references'),
          line: 19,
          column: 3,
          message:
            'preset "derived-references" uses ${DERIVED_REFERENCES_PAHT}, which is not declared in requires.variables (its own or a required preset\'s) and is not a platform variable',
          hint: 'did you mean DERIVED_REFERENCES_HOST? Otherwise declare DERIVED_REFERENCES_PAHT under requires.variables',
        },
      ],
      warnings: [
        {
          rule: 'unused-variable',
          file: shown('derived-references'),
          line: 13,
          column: 5,
          message:
            'variable DERIVED_REFERENCES_UNUSED is declared but never used in appConfig or plugins',
          hint: 'use ${DERIVED_REFERENCES_UNUSED} where it belongs, or remove the declaration',
        },
        {
          rule: 'unused-variable',
          file: shown('derived-references'),
          line: 28,
          column: 3,
          message:
            'derived variable DERIVED_REFERENCES_IDLE is declared but never used in appConfig or plugins',
          hint: 'use ${DERIVED_REFERENCES_IDLE} where it belongs, or remove the declaration',
        },
      ],
    });
  });

  it('accepts variables declared by a required preset (here the shipped ldap)', () => {
    expect(lint('ldap-override')).toEqual({
      ok: true,
      errors: [],
      warnings: [],
    });
  });

  it('reports every schema error with the line and column the parser gives', () => {
    const result = lint('schema-error');
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual<LintFinding[]>([
      {
        rule: 'invalid-file',
        file: shown('schema-error'),
        line: 3,
        column: 10,
        message: 'field "version" must be a string',
        hint: 'quote the value',
      },
      {
        rule: 'invalid-file',
        file: shown('schema-error'),
        line: 9,
        column: 17,
        message:
          'field "requires.variables.SCHEMA_ERROR_HOST.required" must be a boolean',
        hint: 'write true or false, without quotes',
      },
    ]);
  });

  it('reports a ${VAR} that is neither declared nor a platform variable, with a suggestion when close', () => {
    const result = lint('undeclared-variable');
    expect(result.ok).toBe(false);
    expect(result.warnings).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({
        rule: 'undeclared-variable',
        file: shown('undeclared-variable'),
        line: 15,
        column: 11,
        message: expect.stringContaining('uses ${UNDECLARED_VARIABLE_ORGS}'),
        hint: expect.stringMatching(/^did you mean UNDECLARED_VARIABLE_ORG\?/),
      }),
      expect.objectContaining({
        rule: 'undeclared-variable',
        line: 16,
        column: 13,
        message: expect.stringContaining(
          'uses ${UNDECLARED_REGION_OF_THE_WORLD}',
        ),
      }),
    ]);
  });

  it('reads the variable a $each block names: declared, it is used; undeclared, it is reported', () => {
    const result = lint('each-block');
    expect(result.warnings).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({
        rule: 'undeclared-variable',
        file: shown('each-block'),
        line: 18,
        column: 14,
        message: expect.stringContaining('uses ${EACH_BLOCK_TEAMS}'),
      }),
    ]);
  });

  it("reports a plugin pinned to another Backstage release than backstage.json's", () => {
    const result = lint('other-release');
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      expect.objectContaining({
        rule: 'other-backstage-release',
        line: 8,
        column: 14,
        message: expect.stringMatching(
          /stale:bs_1\.40\.0!stale-plugin" is pinned to Backstage 1\.40\.0, but backstage\.json is on \d+\.\d+\.\d+$/,
        ),
        hint: expect.stringContaining('bs_${BACKSTAGE_VERSION}'),
      }),
    ]);
  });

  it('reports a required variable without a docs link', () => {
    const result = lint('undocumented-variable');
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      expect.objectContaining({
        rule: 'undocumented-variable',
        line: 7,
        column: 5,
        message: expect.stringContaining(
          'required variable UNDOCUMENTED_VARIABLE_HOST has no docs link',
        ),
      }),
    ]);
  });

  it('warns about a declared variable never used, without failing', () => {
    expect(lint('unused-variable')).toEqual({
      ok: true,
      errors: [],
      warnings: [
        expect.objectContaining({
          rule: 'unused-variable',
          line: 7,
          column: 5,
          message:
            'variable UNUSED_VARIABLE_HOST is declared but never used in appConfig or plugins',
        }),
      ],
    });
  });

  describe('requires.oneOf and included files', () => {
    const preset = (oneOf: string, tokenRequired = false) =>
      [
        'name: one-of',
        'description: A token or an app',
        'version: 1.0.0',
        'requires:',
        `  oneOf: ${oneOf}`,
        '  variables:',
        '    ONE_OF_TOKEN:',
        '      description: the token',
        `      required: ${tokenRequired}`,
        '      secret: true',
        '      docs: https://docs.example.com/token',
        '    ONE_OF_APP_KEY:',
        '      description: the app key',
        '      required: false',
        '      secret: true',
        'derived:',
        '  ONE_OF_CREDENTIALS:',
        '    description: app or token',
        '    cases:',
        '      - when: { set: ONE_OF_TOKEN }',
        '        value: token',
        '      - value: app',
        'appConfig:',
        '  oneOf:',
        '    token: ${ONE_OF_TOKEN}',
        '    app:',
        '      $include: data/app.yaml#${ONE_OF_CREDENTIALS}',
        '',
      ].join('\n');
    const lintDir = (content: Record<string, string>) => {
      const dir = createMockDirectory({ content });
      return lintPresets([dir.resolve('presets/one-of.yaml')], { rootDir });
    };

    it('counts a variable of a file the preset $includes from its folder as used', () => {
      expect(
        lintDir({
          'presets/one-of.yaml': preset('[[ONE_OF_TOKEN], [ONE_OF_APP_KEY]]'),
          'presets/data/app.yaml': 'app:\n  key: ${ONE_OF_APP_KEY}\n',
        }),
      ).toEqual({ ok: true, errors: [], warnings: [] });
    });

    it('reads no file outside the preset folder for it, not even through a symlink', () => {
      for (const include of ['../outside.yaml', 'data/link.yaml']) {
        const dir = createMockDirectory({
          content: {
            'presets/one-of.yaml': preset(
              '[[ONE_OF_TOKEN], [ONE_OF_APP_KEY]]',
            ).replace('data/app.yaml', include),
            'outside.yaml': 'app:\n  key: ${ONE_OF_APP_KEY}\n',
          },
        });
        fs.mkdirSync(dir.resolve('presets/data'));
        fs.symlinkSync(
          dir.resolve('outside.yaml'),
          dir.resolve('presets/data/link.yaml'),
        );
        const result = lintPresets([dir.resolve('presets/one-of.yaml')], {
          rootDir,
        });
        expect(result.warnings).toEqual([
          expect.objectContaining({
            rule: 'unused-variable',
            message:
              'variable ONE_OF_APP_KEY is declared but never used in appConfig or plugins',
          }),
        ]);
      }
    });

    it('reports a oneOf variable that is not declared, or declared required', () => {
      const result = lintDir({
        'presets/one-of.yaml': preset(
          '[[ONE_OF_TOKEN], [ONE_OF_APP_KEY, ONE_OF_APP_ID]]',
          true,
        ),
        'presets/data/app.yaml': 'app:\n  key: ${ONE_OF_APP_KEY}\n',
      });
      expect(result.ok).toBe(false);
      expect(result.errors).toEqual([
        expect.objectContaining({
          rule: 'one-of-variable',
          line: 5,
          column: 10,
          message:
            'requires.oneOf names ONE_OF_APP_ID, which is not declared in requires.variables',
        }),
        expect.objectContaining({
          rule: 'one-of-variable',
          line: 7,
          column: 5,
          message:
            'variable ONE_OF_TOKEN is in a set of requires.oneOf but marked required: true, so the other sets can never stand in for it',
        }),
      ]);
    });
  });

  it("warns about a variable outside the preset's own prefix, accepting the family prefix", () => {
    expect(lint('foreign-prefix')).toEqual({
      ok: true,
      errors: [],
      warnings: [
        expect.objectContaining({
          rule: 'foreign-prefix',
          line: 11,
          column: 5,
          message: expect.stringMatching(
            /^variable OTHER_HOST does not start with FOREIGN_PREFIX_ or FOREIGN_/,
          ),
        }),
      ],
    });
  });

  it('warns about a secret-looking variable without a secret flag only', () => {
    expect(lint('unflagged')).toEqual({
      ok: true,
      errors: [],
      warnings: [
        expect.objectContaining({
          rule: 'secret-flag-missing',
          line: 7,
          column: 5,
          message: expect.stringContaining(
            'UNFLAGGED_API_KEY looks like a credential',
          ),
        }),
      ],
    });
  });

  it('refuses an alias or a _FILE form that is another variable name anywhere in the catalog, and nothing else of aliases', () => {
    const result = lint('alias-collision');
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      {
        rule: 'alias-collision',
        file: shown('alias-collision'),
        line: 11,
        column: 5,
        message:
          'alias PG_HOST of variable ALIAS_COLLISION_HOST is also an alias of POSTGRES_HOST (preset "postgres")',
        hint: 'give each name to one variable only: remove PG_HOST from the aliases of ALIAS_COLLISION_HOST, or rename the other',
      },
      {
        rule: 'alias-collision',
        file: shown('alias-collision'),
        line: 15,
        column: 5,
        message:
          'alias POSTGRES_USER of variable ALIAS_COLLISION_USER is also variable POSTGRES_USER of preset "postgres"',
        hint: 'give each name to one variable only: remove POSTGRES_USER from the aliases of ALIAS_COLLISION_USER, or rename the other',
      },
      {
        rule: 'alias-collision',
        file: shown('alias-collision'),
        line: 26,
        column: 5,
        message:
          'ALIAS_COLLISION_CA_FILE of variable ALIAS_COLLISION_CA_FILE is the _FILE form of ALIAS_COLLISION_CA, variable ALIAS_COLLISION_CA of preset "alias-collision": it would name the file holding that value',
        hint: 'rename ALIAS_COLLISION_CA_FILE or ALIAS_COLLISION_CA',
      },
      {
        rule: 'alias-collision',
        file: shown('alias-collision'),
        line: 29,
        column: 5,
        message:
          'ALIAS_COLLISION_KEY_FILE of variable ALIAS_COLLISION_KEY is the _FILE form of ALIAS_COLLISION_KEY, variable ALIAS_COLLISION_KEY of preset "alias-collision": it would name the file holding that value',
        hint: 'rename ALIAS_COLLISION_KEY_FILE or ALIAS_COLLISION_KEY',
      },
    ]);
    // An alias is another product's name: no prefix asked of it.
    expect(result.warnings).toEqual([]);
  });

  it('lints a folder, reporting every file at once', () => {
    const result = lintPresets([fixtures], { rootDir });
    const rules = (findings: LintFinding[]) =>
      [...new Set(findings.map(f => f.rule))].sort();
    expect(rules(result.errors)).toEqual([
      'alias-collision',
      'invalid-file',
      'other-backstage-release',
      'undeclared-variable',
      'undocumented-variable',
    ]);
    expect(rules(result.warnings)).toEqual([
      'foreign-prefix',
      'secret-flag-missing',
      'unused-variable',
    ]);
  });

  it('reports a path that cannot be read instead of throwing', () => {
    expect(lintPresets([fixture('missing')], { rootDir }).errors).toEqual([
      expect.objectContaining({
        rule: 'invalid-file',
        file: shown('missing'),
        message: 'cannot be read: ENOENT',
      }),
    ]);
  });

  describe('files it must not read', () => {
    const mockDir = createMockDirectory();
    const secretLine =
      'root:$6$bGludHNlY3JldA$bm90LWEtcmVhbC1oYXNo:19000::::::';
    const clean = (name: string) =>
      `name: ${name}\ndescription: ${name}\nversion: 1.0.0\n`;

    beforeEach(() =>
      mockDir.setContent({
        secret: { 'shadow.yaml': `${secretLine}\n` },
        presets: {
          'x.yaml': ({ symlink }) =>
            symlink(mockDir.resolve('secret/shadow.yaml')),
          'alpha.yaml': ({ symlink }) => symlink('real/alpha.yaml'),
          real: { 'alpha.yaml': clean('alpha') },
        },
        'big.yaml': `${clean('big')}#${'x'.repeat(MAX_PRESET_FILE_BYTES)}\n`,
      }),
    );

    it('refuses a link out of a linted folder unread, and lints one that stays inside', () => {
      const result = lintPresets([mockDir.resolve('presets')], { rootDir });
      expect(result.errors).toEqual([
        {
          rule: 'invalid-file',
          file: displayPath(mockDir.resolve('presets/x.yaml')),
          message: `is a symbolic link that points outside its preset folder ${displayPath(
            mockDir.resolve('presets'),
          )}, so it is not read`,
          hint: expect.stringContaining('copy the preset file into the folder'),
        },
      ]);
      expect(JSON.stringify(result)).not.toContain('root');
    });

    it('refuses a file over the size limit named on the command line, unread', () => {
      const result = lintPresets([mockDir.resolve('big.yaml')], { rootDir });
      expect(result.errors).toEqual([
        expect.objectContaining({
          rule: 'invalid-file',
          file: displayPath(mockDir.resolve('big.yaml')),
          message: expect.stringMatching(
            /^is 257 KiB \(\d+ bytes\), over the 256 KiB limit of a preset file, so it is not read$/,
          ),
        }),
      ]);
    });
  });

  it('derives the prefixes from the preset name', () => {
    expect(variablePrefixes('github')).toEqual(['GITHUB_']);
    expect(variablePrefixes('github-auth')).toEqual([
      'GITHUB_AUTH_',
      'GITHUB_',
    ]);
  });
});

describe('presets lint', () => {
  it('exits 78 on errors and prints file:line:column, the message and a fix', async () => {
    const result = await run(['lint', fixture('undocumented-variable')]);
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `${shown(
        'undocumented-variable',
      )}:7:5: error: required variable UNDOCUMENTED_VARIABLE_HOST has no docs link`,
    );
    expect(result.stderr).toContain('    Fix: add docs:');
    expect(result.stderr).toMatch(/1 error, 0 warnings\n$/);
  });

  it('exits 0 on warnings alone', async () => {
    const result = await run(['lint', fixture('unused-variable')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      `${shown('unused-variable')}:7:5: warning: variable UNUSED_VARIABLE_HOST`,
    );
  });

  it('prints { ok, errors, warnings } with --json', async () => {
    const result = await run([
      'lint',
      '--json',
      fixture('other-release'),
      fixture('unflagged'),
    ]);
    expect(result.code).toBe(78);
    const json = JSON.parse(result.stdout);
    expect(Object.keys(json).sort()).toEqual(['errors', 'ok', 'warnings']);
    expect(json.ok).toBe(false);
    expect(json.errors.map((f: LintFinding) => f.rule)).toEqual([
      'other-backstage-release',
    ]);
    expect(json.warnings.map((f: LintFinding) => f.rule)).toEqual([
      'secret-flag-missing',
    ]);
  });

  it('asks for a path', async () => {
    const result = await run(['lint']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(
      'presets: lint needs at least one preset file or folder',
    );
  });
});
