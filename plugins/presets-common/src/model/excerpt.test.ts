import { EXCERPT_LENGTH, escapeControlCharacters, excerpt } from './excerpt';

describe('excerpt', () => {
  it('keeps short text as it is', () => {
    expect(excerpt('maintainer')).toBe('maintainer');
    expect(excerpt(42)).toBe('42');
    expect(excerpt('x'.repeat(EXCERPT_LENGTH))).toBe(
      'x'.repeat(EXCERPT_LENGTH),
    );
  });

  it(`cuts text longer than ${EXCERPT_LENGTH} characters with an ellipsis`, () => {
    const line =
      'root:$6$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA:19000:0:99999:7:::';
    expect(excerpt(line)).toBe(`${line.slice(0, EXCERPT_LENGTH)}…`);
    expect(excerpt(line, 10)).toBe('root:$6$c2…');
  });

  it('stays cheap on a huge value', () => {
    expect(excerpt('y'.repeat(50_000_000))).toBe(
      `${'y'.repeat(EXCERPT_LENGTH)}…`,
    );
  });

  it('escapes newlines, escape sequences, other controls, quotes and backslashes', () => {
    expect(excerpt('a\nb\r\tc')).toBe('a\\nb\\r\\tc');
    expect(excerpt('\u001b[2J\u0007\u009b')).toBe('\\u001b[2J\\u0007\\u009b');
    expect(excerpt('say "hi" \\ bye')).toBe('say \\"hi\\" \\\\ bye');
    expect(excerpt('left\u202eright\u2028')).toBe('left\\u202eright\\u2028');
  });

  it('counts characters, not the escapes they become, and never splits one', () => {
    expect(excerpt('\n'.repeat(50))).toBe(`${'\\n'.repeat(EXCERPT_LENGTH)}…`);
    expect(excerpt('😀'.repeat(50))).toBe(`${'😀'.repeat(EXCERPT_LENGTH)}…`);
  });
});

describe('escapeControlCharacters', () => {
  it('escapes what a terminal acts on and keeps the rest of a path whole', () => {
    expect(escapeControlCharacters('/a/"b"\\c.yaml')).toBe('/a/"b"\\c.yaml');
    expect(escapeControlCharacters('/a/x\u001b[31m\nfake.yaml')).toBe(
      '/a/x\\u001b[31m\\nfake.yaml',
    );
  });
});
