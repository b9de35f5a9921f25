import { EachBlockError, eachBlockProblems, expandEach } from './expandEach';

const values =
  (env: Record<string, string>) =>
  (name: string): string | undefined =>
    env[name];

describe('expandEach', () => {
  it('makes a list of one $value per item, ${VAR} standing for the item', () => {
    const appConfig = {
      provider: {
        id: 'production',
        orgs: { $each: 'ORGS', $value: '${ORGS}' },
        token: '${TOKEN}',
      },
    };
    expect(
      expandEach(appConfig, values({ ORGS: ' acme, globex,,acme ' })),
    ).toEqual({
      provider: {
        id: 'production',
        orgs: ['acme', 'globex'],
        token: '${TOKEN}',
      },
    });
  });

  it('makes a map with $key: the first item keeps the key, the others add their own text', () => {
    const appConfig = {
      providers: {
        $each: 'GROUPS',
        $key: 'default',
        $value: { group: '${GROUPS}', host: '${HOST}', pattern: '$${GROUPS}' },
      },
    };
    expect(
      expandEach(appConfig, values({ GROUPS: 'acme,Acme.Labs/Platform,2fa' })),
    ).toEqual({
      providers: {
        default: { group: 'acme', host: '${HOST}', pattern: '$${GROUPS}' },
        'default-acme-labs-platform': {
          group: 'Acme.Labs/Platform',
          host: '${HOST}',
          pattern: '$${GROUPS}',
        },
        'default-2fa': { group: '2fa', host: '${HOST}', pattern: '$${GROUPS}' },
      },
    });
  });

  it('keeps a list of one exactly as the single value was', () => {
    const appConfig = {
      github: {
        $each: 'ORG',
        $key: 'default',
        $value: { organization: '${ORG}' },
      },
    };
    expect(expandEach(appConfig, values({ ORG: 'acme' }))).toEqual({
      github: { default: { organization: 'acme' } },
    });
  });

  it('leaves the key out when the variable is unset or blank, as an unset ${VAR} does', () => {
    const appConfig = { a: 1, b: { $each: 'ORGS', $value: '${ORGS}' } };
    expect(expandEach(appConfig, values({}))).toEqual({ a: 1 });
    expect(expandEach(appConfig, values({ ORGS: ' , ' }))).toEqual({ a: 1 });
  });

  it('escapes ${ inside an item, so the substitution that follows keeps it as written', () => {
    expect(
      expandEach(
        { x: { $each: 'L', $value: 'v=${L}' } },
        values({ L: 'a${B}' }),
      ),
    ).toEqual({ x: ['v=a$${B}'] });
  });

  it.each([
    [{ $each: 'L', $value: 1, extra: 2 }, /move extra into \$value/],
    [{ $each: '${L}', $value: 1 }, /\$each names the variable/],
    [{ $each: 'L' }, /\$each needs a \$value/],
    [{ $each: 'L', $value: 1, $key: '1st' }, /\$key is the config key/],
  ])(
    'refuses a block it cannot expand, naming the key path (%j)',
    (block, message) => {
      const run = () =>
        expandEach({ catalog: { list: [{ x: block }] } }, values({ L: 'a' }));
      expect(run).toThrow(EachBlockError);
      expect(run).toThrow(message);
      expect(run).toThrow(/^appConfig\.catalog\.list\[0\]\.x: /);
    },
  );

  it('lists the blocks it cannot expand, whatever the variables hold, with their key paths', () => {
    const problems = eachBlockProblems({
      ok: { $each: 'L', $value: { inner: { $each: 'M' } } },
      list: [{ $each: 'not a name', $value: 1 }],
      plain: { a: [1, 'x'] },
    });
    expect(problems.map(p => p.segments)).toEqual([
      ['ok', '$value', 'inner'],
      ['list', '0'],
    ]);
    expect(problems[0].message).toMatch(
      /^appConfig\.ok\.\$value\.inner: \$each needs a \$value/,
    );
    expect(problems[1].message).toMatch(
      /^appConfig\.list\[0\]: \$each names the variable/,
    );
  });
});
