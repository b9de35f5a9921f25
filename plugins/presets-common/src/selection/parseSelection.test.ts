import { PRESETS_ENV, parseSelection } from './parseSelection';

describe('parseSelection', () => {
  it('splits on commas, trims and ignores empty entries', () => {
    expect(parseSelection(' recommended , github,,  github-auth ,')).toEqual({
      names: ['recommended', 'github', 'github-auth'],
      problems: [],
    });
  });

  it.each([[undefined], [''], [' '], [',,,'], [' , ,\t, ']])(
    'selects nothing for %j',
    value => {
      expect(parseSelection(value)).toEqual({ names: [], problems: [] });
    },
  );

  it('keeps the operator order', () => {
    expect(parseSelection('mcp-chat,mcp,a1,0-b').names).toEqual([
      'mcp-chat',
      'mcp',
      'a1',
      '0-b',
    ]);
  });

  it('reports a name listed twice once, naming it, and keeps its first place', () => {
    const { names, problems } = parseSelection(
      'ldap,github,ldap, ldap ,github',
    );
    expect(names).toEqual(['ldap', 'github']);
    expect(problems).toHaveLength(2);
    expect(problems.map(p => p.kind)).toEqual([
      'duplicate-preset',
      'duplicate-preset',
    ]);
    expect(problems[0].message).toContain('"ldap"');
    expect(problems[0].message).toContain(PRESETS_ENV);
    expect(problems[1].message).toContain('"github"');
  });

  const hostile = [
    '../x',
    'a/b',
    '.hidden',
    'A',
    'Github',
    'foo bar',
    '%2e%2e',
    '..',
    '.',
    '/etc/passwd',
    '..\\x',
    'x.yaml',
    'a--b',
    '-a',
    'a-',
    'a_b',
    'gíthub',
    'ｇｉｔｈｕｂ',
    'github\u200b',
    'git\nhub',
    'git\u0000hub',
    '$(touch x)',
    '${HOME}',
    '*',
  ];

  it.each(hostile.map(h => [h]))(
    'rejects %j as not a valid preset name',
    entry => {
      const { names, problems } = parseSelection(`recommended,${entry},mcp`);
      expect(names).toEqual(['recommended', 'mcp']);
      expect(problems).toHaveLength(1);
      expect(problems[0].kind).toBe('invalid-name');
      expect(problems[0].message).toContain(PRESETS_ENV);
      expect(problems[0].message).toContain(JSON.stringify(entry));
      expect(problems[0].message).toContain('not a valid preset name');
      expect(problems[0].hint).toContain('kebab-case');
    },
  );

  it('reports every invalid entry, each once per occurrence', () => {
    const { names, problems } = parseSelection('../x,a/b,.hidden,A');
    expect(names).toEqual([]);
    expect(problems.map(p => p.kind)).toEqual([
      'invalid-name',
      'invalid-name',
      'invalid-name',
      'invalid-name',
    ]);
  });

  it('shortens a very long entry in the message', () => {
    const long = `a${'/b'.repeat(5000)}`;
    const { names, problems } = parseSelection(long);
    expect(names).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain(long.slice(0, 64));
    expect(problems[0].message).not.toContain(long.slice(0, 65));
    expect(problems[0].message.length).toBeLessThan(200);
  });

  it('accepts a very long valid name without a problem', () => {
    const long = Array.from({ length: 200 }, (_, i) => `p${i}`).join('-');
    expect(parseSelection(long)).toEqual({ names: [long], problems: [] });
  });

  it('is not slow on a pathological entry', () => {
    const started = Date.now();
    parseSelection(`${'a-'.repeat(50000)}!`);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
