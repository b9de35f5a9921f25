import { FIXTURE_ROOT, presetRoot } from '../__testUtils__/presetRoots';
import { checkVariables, lookUpSelection } from './checkSelection';
import { resolvePresets } from './resolvePresets';
import { closestName, editDistance, suggestSetVariable } from './suggestions';

const { catalog } = presetRoot(FIXTURE_ROOT);
const presetNames = [...catalog.presets.keys()].sort();

describe('editDistance', () => {
  it.each([
    ['github', 'github', 0],
    ['githb', 'github', 1],
    ['gihtub', 'github', 1],
    ['gitlab', 'github', 2],
    ['', 'abc', 3],
  ])('%j to %j is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestName', () => {
  it.each([
    ['githb', 'github'],
    ['GitHub', 'github'],
    ['kubernetis', 'kubernetes'],
    ['ldap-da', 'ldap-ad'],
  ])('suggests for %j the preset %j', (typed, expected) => {
    expect(closestName(typed, presetNames)).toBe(expected);
  });

  it.each([['zzz'], ['github'], ['slack']])(
    'suggests nothing for %j',
    typed => {
      expect(closestName(typed, presetNames)).toBeUndefined();
    },
  );
});

describe('suggestSetVariable', () => {
  it.each([
    ['GITHUB_PAT', ['GITHUB_TOKEN'], 'GITHUB_TOKEN'],
    ['GITHUB_PAT', ['GITHUB_API_TOKEN'], 'GITHUB_API_TOKEN'],
    ['GITHUB_PAT', ['github_pat'], 'github_pat'],
    ['GITHUB_PAT', ['GITHUB_PTA'], 'GITHUB_PTA'],
    ['LDAP_SECRET', ['LDAP_PASSWORD'], 'LDAP_PASSWORD'],
  ])('for missing %s among %j suggests %s', (missing, set, expected) => {
    expect(suggestSetVariable(missing, set)).toBe(expected);
  });

  it.each([
    ['GITHUB_PAT', ['GITLAB_TOKEN', 'PATH', 'HOME']],
    ['GITHUB_PAT', ['GITHUB_ORG']],
    ['LDAP_DN', ['HOME', 'PWD']],
  ])('for missing %s among %j suggests nothing', (missing, set) => {
    expect(suggestSetVariable(missing, set)).toBeUndefined();
  });
});

describe('suggestions in the gate problems', () => {
  it('adds "did you mean" to an unknown preset and keeps the available list', () => {
    const { problems } = lookUpSelection(['githb'], catalog);
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain(
      'preset "githb" not found; available presets: ',
    );
    expect(problems[0].message).toMatch(/; did you mean "github"\?$/);
    expect(problems[0].hint).toBe(
      'replace "githb" with "github" in VEECODE_PRESETS, or add presets/githb.yaml',
    );
  });

  it('keeps the plain hint when nothing is close', () => {
    const { problems } = lookUpSelection(['nope'], catalog);
    expect(problems[0].message).not.toContain('did you mean');
    expect(problems[0].hint).toContain('remove "nope" from VEECODE_PRESETS');
  });

  it('names a set look-alike of a missing variable, never its value', () => {
    const secret = 'ghp_n0t-to-be-printed';
    const github = catalog.presets.get('github')!;
    const [problem] = checkVariables([github], {
      GITHUB_TOKEN: secret,
      GITHUB_ORG: 'acme',
    });
    expect(problem.kind).toBe('missing-variables');
    expect(problem.message).toMatch(
      /- GITHUB_PAT \(required by github\): .* \(GITHUB_TOKEN is set: did you mean GITHUB_PAT\?\)$/m,
    );
    expect(problem.message).not.toContain(secret);
  });

  it('does not suggest a variable a selected preset declares itself', () => {
    const github = catalog.presets.get('github')!;
    const [problem] = checkVariables([github], {
      GITHUB_BASE_URL: 'https://github.example.com',
      GITHUB_ORG: 'acme',
    });
    expect(problem.message).not.toContain('did you mean');
  });
});

describe('suggestions in a resolution', () => {
  it('suggests the preset for a name typed in the wrong case', () => {
    const resolution = resolvePresets({
      rootDir: FIXTURE_ROOT,
      env: { VEECODE_PRESETS: 'GitHub' },
    });
    expect(resolution.problems).toEqual([
      expect.objectContaining({
        kind: 'invalid-name',
        hint: expect.stringMatching(/^did you mean "github"\?/),
      }),
    ]);
  });
});
