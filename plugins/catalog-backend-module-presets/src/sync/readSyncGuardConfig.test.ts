import { ConfigReader } from '@backstage/config';
import { findPresetProblems } from '@devportal/plugin-presets-common';
import { readSyncGuardConfig } from './readSyncGuardConfig';

/** What an operator may write under identityPresets.orgSync, right or wrong. */
type OrgSyncValues = {
  [key: string]: string | number | boolean | { [unit: string]: number };
};

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

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
  it('refuses empty results and anything below half of the last sync or of the peak of a week by default', () => {
    expect(readSyncGuardConfig(new ConfigReader({}))).toEqual({
      allowEmpty: false,
      minRetainedShare: 0.5,
      peakWindowMs: WEEK_MS,
    });
  });

  it('reads the keys, as YAML or as strings from an env substitution', () => {
    expect(
      readSyncGuardConfig(orgSync({ allowEmpty: true, minRetainedShare: 0 })),
    ).toEqual({ allowEmpty: true, minRetainedShare: 0, peakWindowMs: WEEK_MS });
    expect(
      readSyncGuardConfig(
        orgSync({ allowEmpty: 'false', minRetainedShare: '0.25' }),
      ),
    ).toEqual({
      allowEmpty: false,
      minRetainedShare: 0.25,
      peakWindowMs: WEEK_MS,
    });
  });

  it.each([
    ['3d', 3 * 24 * 3600_000],
    ['36 hours', 36 * 3600_000],
    ['P2W', 2 * WEEK_MS],
    ['P1DT12H', 36 * 3600_000],
    [{ days: 14 }, 2 * WEEK_MS],
    [{ weeks: 1, hours: 12 }, WEEK_MS + 12 * 3600_000],
    ['0ms', 0],
  ])('reads peakWindow %j in every Backstage duration form', (value, ms) => {
    expect(
      readSyncGuardConfig(orgSync({ peakWindow: value })).peakWindowMs,
    ).toBe(ms);
  });

  it.each([
    [
      'soon',
      /Invalid duration 'soon' in config at 'identityPresets\.orgSync\.peakWindow'/,
    ],
    [7, /identityPresets\.orgSync\.peakWindow.*got number/],
    [
      { dayz: 3 },
      /at 'identityPresets\.orgSync\.peakWindow'.*Needs one or more of/,
    ],
    [{ days: -1 }, /^identityPresets\.orgSync\.peakWindow is negative/],
  ])(
    'refuses startup for peakWindow %j, naming the key and the forms it takes',
    (value, message) => {
      expect(problemsOf({ peakWindow: value })).toEqual([
        {
          kind: 'invalid-config',
          message: expect.stringMatching(message),
          hint: expect.stringContaining(
            'set identityPresets.orgSync.peakWindow to a duration, e.g. 7d, P7D or { days: 7 }',
          ),
        },
      ]);
    },
  );

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
