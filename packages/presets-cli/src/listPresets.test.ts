import { createMockDirectory } from '@backstage/backend-test-utils';
import { loadPresetCatalog } from '@devportal/plugin-presets-common';
import { FIXTURE_PRESETS_DIR } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { formatPresetList, listPresets } from './listPresets';
import { paintFor } from './terminal';

const catalog = loadPresetCatalog({ shippedDir: FIXTURE_PRESETS_DIR });

describe('listPresets', () => {
  const dir = createMockDirectory();

  it('lists every preset sorted by name, with group and dependencies', () => {
    const listed = listPresets(catalog, {});
    expect(listed.map(p => p.name)).toEqual([...catalog.presets.keys()].sort());
    const ldapAd = listed.find(p => p.name === 'ldap-ad')!;
    expect(ldapAd.requires).toEqual(['ldap']);
    expect(ldapAd.group).toBeNull();
    expect(listed.find(p => p.name === 'ldap')!.group).toBe('identity');
    expect(ldapAd.version).toBe(catalog.presets.get('ldap-ad')!.version);
  });

  it('marks variables set or missing from the environment, without values', () => {
    const secret = 'ghp_value-never-listed';
    const github = listPresets(catalog, {
      GITHUB_PAT: secret,
      GITHUB_ORG: '  ',
    }).find(p => p.name === 'github')!;
    expect(github.variables).toEqual(
      expect.arrayContaining([
        { name: 'GITHUB_PAT', required: true, set: true },
        { name: 'GITHUB_ORG', required: true, set: false },
        { name: 'GITHUB_BASE_URL', required: false, set: false },
      ]),
    );
    expect(JSON.stringify(github)).not.toContain(secret);
  });

  it('counts a variable set through an alias or a _FILE as set, as the gate does', () => {
    dir.setContent({ password: 'pw-never-listed\n' });
    const postgres = listPresets(catalog, {
      PG_HOST: 'db.example.com',
      POSTGRES_PASSWORD_FILE: dir.resolve('password'),
      POSTGRES_USER_FILE: dir.resolve('missing'),
    }).find(p => p.name === 'postgres')!;
    expect(postgres.variables).toEqual(
      expect.arrayContaining([
        { name: 'POSTGRES_HOST', required: true, set: true },
        { name: 'POSTGRES_PASSWORD', required: true, set: true },
        { name: 'POSTGRES_USER', required: true, set: false },
      ]),
    );
    expect(JSON.stringify(postgres)).not.toContain('pw-never-listed');
  });
});

describe('listPresets with requires.oneOf', () => {
  const dir = createMockDirectory({
    content: {
      'acme.yaml': [
        'name: acme',
        'description: d',
        'version: 1.0.0',
        'requires:',
        '  oneOf: [[ACME_TOKEN], [ACME_APP_ID, ACME_APP_KEY]]',
        '  variables:',
        '    ACME_TOKEN: { description: t, required: false }',
        '    ACME_APP_ID: { description: i, required: false }',
        '    ACME_APP_KEY: { description: k, required: false }',
        '',
      ].join('\n'),
    },
  });
  const acme = (env: Record<string, string>) =>
    listPresets(loadPresetCatalog({ shippedDir: dir.path }), env)[0];

  it('marks as required the set that counts: the first with nothing set, else the one begun', () => {
    expect(acme({}).variables).toEqual([
      { name: 'ACME_TOKEN', required: true, set: false },
      { name: 'ACME_APP_ID', required: false, set: false },
      { name: 'ACME_APP_KEY', required: false, set: false },
    ]);
    expect(
      formatPresetList([acme({ ACME_APP_KEY: 'k' })], paintFor(false)),
    ).toContain('    requires: ACME_APP_ID missing, ACME_APP_KEY set');
  });
});

describe('formatPresetList', () => {
  const listed = listPresets(catalog, { GITHUB_PAT: 'x' });

  it('aligns the description column and marks required variables', () => {
    const text = formatPresetList(listed, paintFor(false));
    const lines = text.split('\n');
    const column = lines[0].indexOf('DESCRIPTION');
    const githubRow = lines.find(l => l.startsWith('github '))!;
    expect(githubRow.slice(column)).toMatch(/^GitHub as SCM/);
    const ldapAdRow = lines.find(l => l.startsWith('ldap-ad '))!;
    expect(ldapAdRow.slice(column - 10, column)).toContain('ldap');
    expect(text).toContain('    requires: GITHUB_PAT set, GITHUB_ORG missing');
    expect(text).not.toContain('GITHUB_BASE_URL');
    expect(text).not.toContain('\u001b[');
  });

  it('colours the marks when asked', () => {
    const text = formatPresetList(listed, paintFor(true));
    expect(text).toContain('GITHUB_PAT \u001b[32mset\u001b[0m');
    expect(text).toContain('GITHUB_ORG \u001b[31mmissing\u001b[0m');
  });
});
