import { ConfigReader } from '@backstage/config';
import { findPresetProblems } from '@devportal/plugin-presets-node';
import { readSyncGuardConfig } from './readSyncGuardConfig';

/** What an operator may write under identityPresets.orgSync, right or wrong. */
type OrgSyncValues = { [key: string]: string | number | boolean };

const orgSync = (values: OrgSyncValues) =>
  new ConfigReader({ identityPresets: { orgSync: values } }, 'app-config.yaml');

function problemsOf(values: OrgSyncValues) {
  try {
    readSyncGuardConfig(orgSync(values));
  } catch (error) {
    return findPresetProblems(error);
  }
  throw new Error('expected a refusal');
}

describe('readSyncGuardConfig', () => {
  it('refuses empty results and anything below half of the last sync by default', () => {
    expect(readSyncGuardConfig(new ConfigReader({}))).toEqual({
      allowEmpty: false,
      minRetainedShare: 0.5,
    });
  });

  it('reads both keys, as YAML or as strings from an env substitution', () => {
    expect(
      readSyncGuardConfig(orgSync({ allowEmpty: true, minRetainedShare: 0 })),
    ).toEqual({ allowEmpty: true, minRetainedShare: 0 });
    expect(
      readSyncGuardConfig(
        orgSync({ allowEmpty: 'false', minRetainedShare: '0.25' }),
      ),
    ).toEqual({ allowEmpty: false, minRetainedShare: 0.25 });
  });

  it('refuses startup naming each key that is wrong, with how to fix it', () => {
    expect(
      problemsOf({ allowEmpty: 'perhaps', minRetainedShare: 'half' }),
    ).toEqual([
      {
        kind: 'invalid-config',
        message: expect.stringMatching(
          /identityPresets\.orgSync\.allowEmpty.*boolean/,
        ),
        hint: expect.stringContaining('to true or false'),
      },
      {
        kind: 'invalid-config',
        message: expect.stringMatching(
          /identityPresets\.orgSync\.minRetainedShare.*number/,
        ),
        hint: expect.stringContaining('a number from 0 to 1'),
      },
    ]);
  });

  it.each([1.5, -0.1])('refuses a share of %s, outside 0..1', share => {
    expect(problemsOf({ minRetainedShare: share })).toEqual([
      expect.objectContaining({
        message: `identityPresets.orgSync.minRetainedShare is ${share}, outside 0..1`,
      }),
    ]);
  });
});
