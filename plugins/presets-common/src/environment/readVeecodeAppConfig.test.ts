import {
  VEECODE_APP_CONFIG_ENV,
  readVeecodeAppConfig,
} from './readVeecodeAppConfig';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * Asserts what every rejected value must get (no data, an invalid-config
 * problem naming the variable, the value never echoed) and returns the
 * problem so the test can assert what is specific to it.
 */
function expectProblem(value: string) {
  const result = readVeecodeAppConfig({ [VEECODE_APP_CONFIG_ENV]: value });
  expect(result.data).toBeUndefined();
  expect(result.problem).toBeDefined();
  const { kind, message, hint } = result.problem!;
  expect(kind).toBe('invalid-config');
  expect(message).toContain('VEECODE_APP_CONFIG');
  // the value itself, encoded or decoded, is never echoed
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const echoes = [value, ...decoded.split('\n')]
    .map(text => text.trim())
    .filter(text => text.length >= 4);
  for (const text of [message, hint ?? '']) {
    for (const echo of echoes) {
      expect(text).not.toContain(echo);
    }
  }
  return result.problem!;
}

describe('readVeecodeAppConfig', () => {
  it('uses the variable name VEECODE_APP_CONFIG', () => {
    expect(VEECODE_APP_CONFIG_ENV).toBe('VEECODE_APP_CONFIG');
  });

  it.each([[undefined], [''], ['   ']])(
    'ignores an unset or empty value (%j)',
    value => {
      expect(readVeecodeAppConfig({ VEECODE_APP_CONFIG: value })).toEqual({});
    },
  );

  it('decodes base64 of a YAML mapping', () => {
    const yaml = [
      'app:',
      '  title: SaaS portal',
      'backend:',
      '  listen: { port: 7008 }',
      'list: [a, b]',
      'secret: ${SOME_VAR}',
      '',
    ].join('\n');
    expect(readVeecodeAppConfig({ VEECODE_APP_CONFIG: b64(yaml) })).toEqual({
      data: {
        app: { title: 'SaaS portal' },
        backend: { listen: { port: 7008 } },
        list: ['a', 'b'],
        secret: '${SOME_VAR}',
      },
    });
  });

  it('accepts line-wrapped base64 (`base64` without -w0) and surrounding blanks', () => {
    const yaml = `app:\n  title: ${'x'.repeat(200)}\n`;
    const wrapped = b64(yaml).replace(/(.{76})/g, '$1\n');
    expect(wrapped).toContain('\n');
    expect(
      readVeecodeAppConfig({ VEECODE_APP_CONFIG: `  ${wrapped}\n` }).data,
    ).toEqual({
      app: { title: 'x'.repeat(200) },
    });
  });

  it('decodes UTF-8 text', () => {
    expect(
      readVeecodeAppConfig({
        VEECODE_APP_CONFIG: b64('app:\n  title: Portal São Paulo ✓\n'),
      }).data,
    ).toEqual({ app: { title: 'Portal São Paulo ✓' } });
  });

  it.each([
    ['plain text', 'app: {title: not encoded}'],
    [
      'base64url alphabet',
      `${b64('app:\n  title: ???>>>\n')
        .replace(/\+/g, '-')
        .replace(/\//g, '_')}-_`,
    ],
    ['padding in the middle', 'YWJj=ZGVm'],
    ['too much padding', 'YWJjZA==='],
    ['a dangling character', 'YWJjZ'],
    ['JSON', '{"app": {"title": "x"}}'],
  ])('reports a value that is not base64: %s', (_, value) => {
    expect(expectProblem(value).message).toMatch(/not valid base64/);
  });

  it('reports base64 of binary data', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x9f]);
    expect(expectProblem(binary.toString('base64')).message).toMatch(/base64/);
  });

  it.each([
    ['a list', '- app\n- backend\n'],
    ['a string', 'just a sentence of text\n'],
    ['a number', '12345\n'],
    ['null', '~\n'],
    ['a comment only', '# nothing here\n'],
  ])('reports base64 of YAML that is %s', (_, yaml) => {
    expect(expectProblem(b64(yaml)).message).toMatch(/not a mapping/);
  });

  it.each([
    ['an unclosed flow sequence', 'app:\n  list: [a, b\nbackend: {}\n'],
    ['tabs', 'app:\n\ttitle: x\n'],
    ['duplicate keys', 'app: {}\napp: {}\n'],
    ['an unclosed quote', 'app:\n  title: "unterminated\n'],
  ])('reports base64 of invalid YAML: %s', (_, yaml) => {
    expect(expectProblem(b64(yaml)).message).toMatch(/not valid YAML/);
  });

  it('never includes a secret held in the value', () => {
    const yaml =
      'auth:\n  providers:\n    github:\n      clientSecret: s3cr3t-VALUE-123\n  - broken\n';
    const problem = expectProblem(b64(yaml));
    expect(problem.message).toMatch(/not valid YAML/);
    expect(`${problem.message} ${problem.hint}`).not.toContain('s3cr3t');
    const notB64 = expectProblem('s3cr3t-VALUE-123!');
    expect(notB64.message).toMatch(/not valid base64/);
    expect(`${notB64.message} ${notB64.hint}`).not.toContain('s3cr3t');
  });

  it('tells the operator how to produce a valid value', () => {
    const problem = expectProblem('%%%');
    expect(problem.message).toMatch(/not valid base64/);
    expect(problem.hint).toContain('base64');
  });

  // Library bug (see the test report): the code means to say which line of
  // the decoded document is broken, but `linePos` is only filled in when the
  // yaml parser runs with prettyErrors, so the message always says "line ?".
  it('names the line of the decoded YAML that is broken', () => {
    const problem = expectProblem(b64('a: 1\nb: 2\nc: [1,\nd: 4\n'));
    expect(problem.message).toMatch(/not valid YAML/);
    expect(problem.message).toMatch(/line \d+/);
  });
});
