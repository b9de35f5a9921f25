/*
 * `requires.oneOf`: exactly one set of variables in full (a token, or an
 * app's credentials), checked with the other variables, all at once.
 */
import { createMockDirectory } from '@backstage/backend-test-utils';
import { resolvePresets } from './resolvePresets';

const variable = (name: string, required = false) =>
  [
    `    ${name}:`,
    `      description: the ${name.toLowerCase()}`,
    `      required: ${required}`,
    `      docs: https://docs.example.com/${name.toLowerCase()}`,
  ].join('\n');

/** Two presets declaring the same choice of a token or an app, like github and github-auth. */
const preset = (name: string) =>
  [
    `name: ${name}`,
    'description: d',
    'version: 1.0.0',
    'requires:',
    '  oneOf:',
    '    - [ACME_TOKEN]',
    '    - [ACME_APP_ID, ACME_APP_KEY]',
    '  variables:',
    variable('ACME_TOKEN'),
    variable('ACME_APP_ID'),
    variable('ACME_APP_KEY'),
    variable('ACME_ORG', true),
    'appConfig:',
    '  acme:',
    '    token: ${ACME_TOKEN}',
    '    app: { id: "${ACME_APP_ID}", key: "${ACME_APP_KEY}" }',
    '    org: ${ACME_ORG}',
    '',
  ].join('\n');

describe('requires.oneOf', () => {
  const mockDir = createMockDirectory({
    content: {
      'presets/acme.yaml': preset('acme'),
      'presets/acme-sync.yaml': preset('acme-sync'),
    },
  });
  const resolve = (env: Record<string, string>) =>
    resolvePresets({
      rootDir: mockDir.path,
      env: { VEECODE_PRESETS: 'acme,acme-sync', ...env },
    });
  const secret = 'value-of-the-app-key';

  it('accepts either set in full', () => {
    expect(resolve({ ACME_ORG: 'o', ACME_TOKEN: 't' }).problems).toEqual([]);
    expect(
      resolve({ ACME_ORG: 'o', ACME_APP_ID: '1', ACME_APP_KEY: secret })
        .problems,
    ).toEqual([]);
  });

  it('with nothing set, asks for the first set and names the other, with the other missing variables in one problem', () => {
    const { problems } = resolve({});
    expect(problems).toHaveLength(1);
    expect(problems[0].kind).toBe('missing-variables');
    const lines = problems[0].message.split('\n');
    expect(lines).toContain(
      '- ACME_TOKEN (required by acme, acme-sync): the acme_token See https://docs.example.com/acme_token',
    );
    expect(lines).toContain(
      '- ACME_ORG (required by acme, acme-sync): the acme_org See https://docs.example.com/acme_org',
    );
    expect(lines).toContain(
      '  (or, instead of ACME_TOKEN, set ACME_APP_ID and ACME_APP_KEY: acme, acme-sync accept either)',
    );
    expect(problems[0].hint).toMatch(/set that set in full instead/);
  });

  it('with a set begun, asks for the rest of it and still names the other', () => {
    const { problems } = resolve({ ACME_ORG: 'o', ACME_APP_KEY: secret });
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain(
      '- ACME_APP_ID (required by acme, acme-sync)',
    );
    expect(problems[0].message).not.toContain('- ACME_TOKEN');
    expect(problems[0].message).not.toContain('- ACME_APP_KEY');
    expect(problems[0].message).toContain(
      '(or, instead of ACME_APP_ID and ACME_APP_KEY, set ACME_TOKEN: acme, acme-sync accept either)',
    );
    expect(JSON.stringify(problems)).not.toContain(secret);
  });

  it('refuses variables of two sets, naming those set, once for both presets, never a value', () => {
    const { problems } = resolve({
      ACME_ORG: 'o',
      ACME_TOKEN: 't',
      ACME_APP_KEY: secret,
    });
    expect(problems).toEqual([
      {
        kind: 'invalid-variables',
        message:
          'the selected presets (acme, acme-sync) take exactly one of the sets (ACME_TOKEN), (ACME_APP_ID and ACME_APP_KEY), but variables of 2 sets are set: ACME_TOKEN; ACME_APP_KEY',
        hint: 'keep one set: unset ACME_TOKEN, or unset ACME_APP_KEY',
      },
    ]);
  });

  it('counts a variable set through its _FILE or an alias as set, as the rest of the gate does', () => {
    mockDir.addContent({ 'app.key': `${secret}\n` });
    const fromFile = {
      ACME_ORG: 'o',
      ACME_APP_ID: '1',
      ACME_APP_KEY_FILE: mockDir.resolve('app.key'),
    };
    // The App set in full, its key from a file: no PAT asked for.
    expect(resolve(fromFile).problems).toEqual([]);
    // The file alone begins the App's set: the rest of it is asked for.
    const begun = resolve({
      ACME_ORG: 'o',
      ACME_APP_KEY_FILE: mockDir.resolve('app.key'),
    }).problems;
    expect(begun.map(p => p.message).join('\n')).toContain(
      '- ACME_APP_ID (required by acme, acme-sync)',
    );
    expect(begun[0].message).not.toContain('- ACME_TOKEN');
    // With the token as well, two sets are set.
    const both = resolve({ ...fromFile, ACME_TOKEN: 't' }).problems;
    expect(both).toHaveLength(1);
    expect(both[0].message).toContain(
      'but variables of 2 sets are set: ACME_TOKEN; ACME_APP_ID and ACME_APP_KEY',
    );
    for (const problems of [begun, both]) {
      expect(JSON.stringify(problems)).not.toContain(secret);
    }
  });

  it('counts an unreadable _FILE as set: the file is refused, its set is the one asked for', () => {
    const { problems } = resolve({
      ACME_ORG: 'o',
      ACME_APP_KEY_FILE: mockDir.resolve('no-such-key'),
    });
    expect(problems.map(p => p.kind)).toEqual([
      'invalid-variables',
      'missing-variables',
    ]);
    expect(problems[0].message).toMatch(
      /^ACME_APP_KEY_FILE names .*no-such-key, which cannot be read \(ENOENT\)$/,
    );
    expect(problems[1].message).toContain(
      '- ACME_APP_ID (required by acme, acme-sync)',
    );
    expect(problems[1].message).not.toMatch(/- ACME_(TOKEN|APP_KEY) /);
  });

  it('counts a variable set through an alias as set', () => {
    const dir = createMockDirectory({
      content: {
        'presets/acme.yaml': preset('acme').replace(
          '      description: the acme_app_key\n',
          '      description: the acme_app_key\n      aliases: [OTHER_APP_KEY]\n',
        ),
      },
    });
    const env = {
      VEECODE_PRESETS: 'acme',
      ACME_ORG: 'o',
      ACME_APP_ID: '1',
      OTHER_APP_KEY: secret,
    };
    expect(resolvePresets({ rootDir: dir.path, env }).problems).toEqual([]);
    const [both] = resolvePresets({
      rootDir: dir.path,
      env: { ...env, ACME_TOKEN: 't' },
    }).problems;
    expect(both.message).toContain(
      'variables of 2 sets are set: ACME_TOKEN; ACME_APP_ID and ACME_APP_KEY',
    );
  });

  it('refuses a choice of one set, an empty set or a variable twice in a set, naming the file and field', () => {
    const dir = createMockDirectory({
      content: {
        'presets/one.yaml': preset('one').replace(
          '    - [ACME_APP_ID, ACME_APP_KEY]\n',
          '',
        ),
        'presets/empty.yaml': preset('empty').replace('[ACME_TOKEN]', '[]'),
        'presets/twice.yaml': preset('twice').replace(
          '[ACME_TOKEN]',
          '[ACME_TOKEN, ACME_TOKEN]',
        ),
      },
    });
    const { problems } = resolvePresets({
      rootDir: dir.path,
      env: { VEECODE_PRESETS: '' },
    });
    const text = problems.map(p => p.message).join('\n');
    expect(text).toMatch(
      /one\.yaml:6:5: field "requires\.oneOf" must list at least 2 entries/,
    );
    expect(text).toMatch(
      /empty\.yaml:6:7: field "requires\.oneOf\.0" must not be empty/,
    );
    expect(text).toMatch(
      /twice\.yaml:6:7: field "requires\.oneOf\.0" lists the same variable twice/,
    );
  });
});
