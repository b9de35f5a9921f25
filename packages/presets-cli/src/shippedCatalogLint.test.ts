import { resolve } from 'path';
import { formatLintResult, lintPresets } from './lintPresets';
import { paintFor } from './terminal';

const rootDir = resolve(__dirname, '../../..');

describe('the shipped preset catalog', () => {
  it('passes presets lint without errors', () => {
    const result = lintPresets([resolve(rootDir, 'presets')], { rootDir });
    // The whole report on failure: every finding with its file, line and fix.
    expect(result.ok ? '' : formatLintResult(result, paintFor(false))).toBe('');
    expect(result.errors).toEqual([]);
  });
});
