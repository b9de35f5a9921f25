/*
 * The first half of VeeCode's smoke matrix (bootMatrix.test.ts has the
 * compositions, core only and the matrix's coverage of the catalog).
 */
import {
  checkVeecodeSmokeTest,
  VEECODE_SMOKE_TESTS,
} from './veecodeSmokeMatrix';

jest.setTimeout(120_000);

describe("VeeCode's smoke matrix", () => {
  // The assertions are checkVeecodeSmokeTest's, shared by both halves.
  // eslint-disable-next-line jest/expect-expect
  it.each(VEECODE_SMOKE_TESTS.slice(0, 9))(
    'VEECODE_PRESETS=%s boots with its dummy values and reports the npm plugins its presets name',
    checkVeecodeSmokeTest,
  );
});
