import { PresetsConfigError } from '@devportal/plugin-presets-common';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { parsePolicyCsv, readPolicyFile } from './policyFile';

describe('parsePolicyCsv', () => {
  it('reads p and g lines in the format RHDH documents, skipping comments and blanks', () => {
    const { model, problems } = parsePolicyCsv(
      [
        '# the starting policy',
        '',
        'p, role:default/reader, catalog-entity, read, allow',
        '  p,role:default/dev,catalog.entity.refresh,update,deny  ',
        'g, group:default/engineering, role:default/reader',
        'g, User:Default/Ana, role:default/dev',
      ].join('\n'),
      'policy.csv',
    );
    expect(problems).toEqual([]);
    expect(model.policies).toEqual([
      {
        role: 'role:default/reader',
        permission: 'catalog-entity',
        action: 'read',
        effect: 'allow',
        source: 'policy.csv:3',
      },
      {
        role: 'role:default/dev',
        permission: 'catalog.entity.refresh',
        action: 'update',
        effect: 'deny',
        source: 'policy.csv:4',
      },
    ]);
    expect(model.memberships).toEqual([
      {
        member: 'group:default/engineering',
        role: 'role:default/reader',
        source: 'policy.csv:5',
      },
      {
        member: 'user:default/ana',
        role: 'role:default/dev',
        source: 'policy.csv:6',
      },
    ]);
  });

  it('reads quoted fields as RHDH does: a comma inside quotes belongs to its field', () => {
    const { model, problems } = parsePolicyCsv(
      [
        'p, "role:default/reader", "catalog-entity", read, "allow"',
        'g, "group:default/sre" , "role:default/reader"',
        'g, "group:default/a,b", role:default/reader',
        'p, "role:default/reader, catalog-entity, read, allow',
        'p, role:default/reader, "catalog-entity" x, read, allow',
      ].join('\n'),
      'policy.csv',
    );
    expect(model.policies.map(p => p.role)).toEqual(['role:default/reader']);
    expect(model.memberships.map(m => m.member)).toEqual([
      'group:default/sre',
      'group:default/a,b',
    ]);
    expect(problems.map(p => p.message)).toEqual([
      'policy.csv:4: a quoted field is not closed (a field in double quotes ends with a double quote; write "" for a quote inside it)',
      'policy.csv:5: text follows a quoted field before the next comma',
    ]);
  });

  it('reports every bad line with its number', () => {
    const { problems } = parsePolicyCsv(
      [
        'p, role:default/reader, catalog-entity, read, allow',
        'p, role:default/reader, catalog-entity, peek, allow',
        'p, group:default/sre, catalog-entity, read, allow',
        'g, group:default/sre',
        'x, something',
        'p, role:default/reader, catalog-entity, read, maybe',
        'g, component:default/svc, role:default/reader',
      ].join('\n'),
      '/etc/rbac.csv',
    );
    expect(problems.map(p => p.message)).toEqual([
      '/etc/rbac.csv:2: action "peek" is not one of read, create, update, delete, use',
      '/etc/rbac.csv:3: "group:default/sre" is not a role ref (role:<namespace>/<name>)',
      '/etc/rbac.csv:4: a "g" line has 3 fields (g, user or group, role), this one has 2',
      '/etc/rbac.csv:5: a line starts with "p" (a role\'s policy) or "g" (a role\'s member), not "x"',
      '/etc/rbac.csv:6: effect "maybe" is neither allow nor deny',
      '/etc/rbac.csv:7: "component:default/svc" is not a user or group ref (user:<namespace>/<name> or group:<namespace>/<name>)',
    ]);
    expect(problems.every(p => p.kind === 'invalid-file' && p.hint)).toBe(true);
  });
});

describe('readPolicyFile', () => {
  const dir = createMockDirectory();

  it('refuses a missing file with exit 78, naming it', () => {
    const file = dir.resolve('missing.csv');
    const error = captureError(() => readPolicyFile(file));
    expect(error).toBeInstanceOf(PresetsConfigError);
    expect((error as PresetsConfigError).exitCode).toBe(78);
    expect(error.message).toContain(`${file} `);
    expect(error.message).toContain('ENOENT');
  });

  it('names the key, and the variable a preset sets it from when known', () => {
    const file = dir.resolve('missing.csv');
    const problemOf = (error: Error) =>
      (error as PresetsConfigError).problems[0];
    expect(problemOf(captureError(() => readPolicyFile(file)))).toEqual({
      kind: 'invalid-file',
      message: `the rbac policy file ${file} (permission.rbac.policies-csv-file) cannot be read: ENOENT`,
      hint: 'point permission.rbac.policies-csv-file at a readable CSV file, or unset it',
    });
    expect(
      problemOf(
        captureError(() =>
          readPolicyFile(file, key =>
            key === 'permission.rbac.policies-csv-file'
              ? ['RBAC_POLICIES_FILE']
              : [],
          ),
        ),
      ),
    ).toEqual({
      kind: 'invalid-file',
      message: `the rbac policy file ${file} (permission.rbac.policies-csv-file, RBAC_POLICIES_FILE) cannot be read: ENOENT`,
      hint: 'point RBAC_POLICIES_FILE at a readable CSV file, or unset it',
    });
  });

  it('refuses a file with a bad line, naming file and line', () => {
    dir.setContent({
      'bad.csv': 'g, group:default/sre, role:default/dev\np, oops\n',
    });
    const error = captureError(() => readPolicyFile(dir.resolve('bad.csv')));
    expect(error).toBeInstanceOf(PresetsConfigError);
    expect(error.message).toContain(`${dir.resolve('bad.csv')}:2:`);
  });
});

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
