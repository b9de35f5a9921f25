/*
 * The order in which `backstage-cli repo test` (and so `npm test`) starts
 * test files. Jest starts the files it timed in an earlier run longest
 * first, and a file it never timed (every file of a fresh clone) by its
 * size. A file whose docblock says `@longRunning` starts before the untimed
 * ones: a short file that builds a container image before its tests,
 * started last, would keep the run going for minutes after every other file
 * had ended.
 */
const fs = require('node:fs');
const { default: Sequencer } = require('@jest/test-sequencer');
const { extract, parse } = require('jest-docblock');

function isLongRunning(file) {
  const pragmas = parse(extract(fs.readFileSync(file, 'utf8')));
  return 'longRunning' in pragmas;
}

class TestSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const first = sorted.filter(
      test =>
        (test.duration === undefined || test.duration === null) &&
        isLongRunning(test.path),
    );
    return [...first, ...sorted.filter(test => !first.includes(test))];
  }
}

module.exports = TestSequencer;
