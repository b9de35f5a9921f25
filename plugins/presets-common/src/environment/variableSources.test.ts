/*
 * A variable's value from its own name, an alias, or a file named by a
 * `_FILE` variable, on the fixture catalog's postgres preset (its
 * variables carry VeeCode's Helm chart names as aliases).
 */
import { createMockDirectory } from '@backstage/backend-test-utils';
import { FIXTURE_ROOT, presetRoot } from '../__testUtils__/presetRoots';
import { formatProblems } from '../model/problems';
import { resolveVariableValues } from './variableSources';

const { catalog, resolveSelection } = presetRoot(FIXTURE_ROOT);
const postgres = [catalog.presets.get('postgres')!];

const PASSWORD = 'S3cret-from-a-file-Zq9';

describe('resolveVariableValues', () => {
  const dir = createMockDirectory();

  beforeEach(() => {
    dir.setContent({
      password: `${PASSWORD}\n`,
      'password-crlf': `${PASSWORD}\r\n`,
      'two-newlines': `${PASSWORD}\n\n`,
      empty: '',
      folder: {},
    });
  });

  it('reads X_FILE: the content, one trailing newline trimmed, is the value of X', () => {
    for (const file of ['password', 'password-crlf']) {
      const result = resolveVariableValues(postgres, {
        POSTGRES_PASSWORD_FILE: dir.resolve(file),
      });
      expect(result.problems).toEqual([]);
      expect(result.env.POSTGRES_PASSWORD).toBe(PASSWORD);
      expect(result.suppliedBy).toEqual({
        POSTGRES_PASSWORD: 'POSTGRES_PASSWORD_FILE',
      });
    }
    expect(
      resolveVariableValues(postgres, {
        POSTGRES_PASSWORD_FILE: dir.resolve('two-newlines'),
      }).env.POSTGRES_PASSWORD,
    ).toBe(`${PASSWORD}\n`);
  });

  it('takes an alias, and its _FILE form, as the variable', () => {
    const result = resolveVariableValues(postgres, {
      PG_HOST: 'pg.example.com',
      PG_PASSWORD_FILE: dir.resolve('password'),
    });
    expect(result.problems).toEqual([]);
    expect(result.env.POSTGRES_HOST).toBe('pg.example.com');
    expect(result.env.POSTGRES_PASSWORD).toBe(PASSWORD);
    expect(result.suppliedBy).toEqual({
      POSTGRES_HOST: 'PG_HOST',
      POSTGRES_PASSWORD: 'PG_PASSWORD_FILE',
    });
  });

  it('accepts two names of one variable set to the same value, and the variable own name supplies it', () => {
    const result = resolveVariableValues(postgres, {
      POSTGRES_HOST: 'pg.example.com',
      PG_HOST: 'pg.example.com ',
      PG_PASSWORD: PASSWORD,
      POSTGRES_PASSWORD_FILE: dir.resolve('password'),
    });
    expect(result.problems).toEqual([]);
    expect(result.suppliedBy).toEqual({
      POSTGRES_HOST: 'POSTGRES_HOST',
      POSTGRES_PASSWORD: 'POSTGRES_PASSWORD_FILE',
    });
  });

  it('refuses two names of one variable set to different values, naming both and neither value', () => {
    const result = resolveVariableValues(postgres, {
      POSTGRES_PASSWORD: 'first-value-XYZ',
      PG_PASSWORD_FILE: dir.resolve('password'),
    });
    expect(result.problems).toEqual([
      {
        kind: 'invalid-variables',
        message:
          'POSTGRES_PASSWORD and PG_PASSWORD_FILE are set to different values: they are names of one variable, POSTGRES_PASSWORD',
        hint: 'set only one of POSTGRES_PASSWORD, PG_PASSWORD_FILE, or give them the same value',
      },
    ]);
  });

  it('refuses X and X_FILE both set, naming both', () => {
    const result = resolveVariableValues(postgres, {
      PG_USER: 'backstage',
      PG_USER_FILE: dir.resolve('password'),
    });
    expect(result.problems).toEqual([
      {
        kind: 'invalid-variables',
        message:
          'PG_USER and PG_USER_FILE are both set: the value of POSTGRES_USER comes from one of them',
        hint: 'unset PG_USER to read the value from the file, or unset PG_USER_FILE',
      },
    ]);
  });

  it('refuses an X_FILE that names no readable, non-empty file, naming X_FILE, the path and the reason', () => {
    const missing = dir.resolve('missing');
    const result = resolveVariableValues(postgres, {
      POSTGRES_PASSWORD_FILE: missing,
      POSTGRES_HOST_FILE: dir.resolve('folder'),
      POSTGRES_USER_FILE: dir.resolve('empty'),
    });
    expect(result.problems.map(p => p.message)).toEqual([
      `POSTGRES_HOST_FILE names ${dir.resolve('folder')}, which is not a file`,
      `POSTGRES_USER_FILE names ${dir.resolve('empty')}, which is empty`,
      `POSTGRES_PASSWORD_FILE names ${missing}, which cannot be read (ENOENT)`,
    ]);
    expect(result.env.POSTGRES_PASSWORD).toBeUndefined();
  });

  it('shows a path with control characters escaped, so it cannot forge a line', () => {
    const path = dir.resolve('missing\n  2. forged problem');
    const [problem] = resolveVariableValues(postgres, {
      POSTGRES_PASSWORD_FILE: path,
    }).problems;
    expect(problem.message).not.toContain('\n');
    expect(problem.message).toContain('missing\\n  2. forged problem');
  });

  it('leaves _FILE names of undeclared variables alone (SSL_CERT_FILE is not SSL_CERT)', () => {
    const env = { SSL_CERT_FILE: dir.resolve('missing') };
    const result = resolveVariableValues(postgres, env);
    expect(result.problems).toEqual([]);
    expect(result.env).toEqual(env);
  });
});

describe('the boot gate with variables from files and aliases', () => {
  const dir = createMockDirectory();

  beforeEach(() => {
    dir.setContent({ password: `${PASSWORD}\n` });
  });

  it('counts X as set when X_FILE or an alias supplies it, and redacts the value read from the file', () => {
    const resolution = resolveSelection('postgres', {
      PG_HOST: 'pg.example.com',
      PG_USER: 'backstage',
      POSTGRES_PASSWORD_FILE: dir.resolve('password'),
    });
    expect(resolution.problems).toEqual([]);
    expect(resolution.secrets).toContain(PASSWORD);
    expect(resolution.suppliedBy).toEqual({
      POSTGRES_HOST: 'PG_HOST',
      POSTGRES_USER: 'PG_USER',
      POSTGRES_PASSWORD: 'POSTGRES_PASSWORD_FILE',
    });
  });

  it('lists a conflict and an unreadable file with the other problems, in one list, without the values', () => {
    const resolution = resolveSelection('postgres,unknown-preset', {
      POSTGRES_HOST: 'db-one.example.com',
      PG_HOST: 'db-two.example.com',
      POSTGRES_PASSWORD_FILE: dir.resolve('missing'),
    });
    const text = formatProblems(resolution.problems);
    expect(text).toContain('preset "unknown-preset" not found');
    expect(text).toContain(
      'POSTGRES_HOST and PG_HOST are set to different values',
    );
    expect(text).toContain(
      `POSTGRES_PASSWORD_FILE names ${dir.resolve(
        'missing',
      )}, which cannot be read (ENOENT)`,
    );
    // The required check names what is missing, with its other names, and
    // not what is set in a way reported above.
    expect(text).toMatch(
      /- POSTGRES_USER \(required by postgres\): .* Also read from PG_USER\./,
    );
    expect(text).not.toMatch(/- POSTGRES_(HOST|PASSWORD) /);
    expect(text).not.toContain('db-one');
    expect(text).not.toContain('db-two');
  });
});
