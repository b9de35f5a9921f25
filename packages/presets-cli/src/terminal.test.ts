import { formatTable, paintFor, useColour } from './terminal';

describe('useColour', () => {
  it.each([
    [true, {}, true],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, {}, false],
    [undefined, {}, false],
  ])('isTTY %j with env %j: %j', (isTTY, env, expected) => {
    expect(useColour({ write: () => {}, isTTY }, env)).toBe(expected);
  });
});

describe('paintFor', () => {
  it('leaves text alone without colour', () => {
    expect(paintFor(false).red('missing')).toBe('missing');
  });

  it('wraps text in escape codes with colour', () => {
    expect(paintFor(true).red('missing')).toBe('\u001b[31mmissing\u001b[0m');
  });
});

describe('formatTable', () => {
  it('aligns columns on the visible text, without trailing blanks', () => {
    const paint = paintFor(true);
    const lines = formatTable([
      [{ text: 'NAME', shown: paint.bold('NAME') }, { text: 'V' }],
      [{ text: 'a' }, { text: '1.0.0' }],
      [{ text: 'longer' }, { text: '2' }],
    ]);
    expect(lines).toEqual([
      `${paint.bold('NAME')}    V`,
      'a       1.0.0',
      'longer  2',
    ]);
  });
});
