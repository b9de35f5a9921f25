import { parseCliArgs } from './parseCliArgs';

describe('parseCliArgs', () => {
  it.each([
    [['list'], { command: 'list', json: false }],
    [['list', '--json'], { command: 'list', json: true }],
    [['check'], { command: 'check', json: false }],
    [
      ['check', '--presets', 'recommended,github', '--json'],
      { command: 'check', json: true, presets: 'recommended,github' },
    ],
    [['check', '--presets='], { command: 'check', json: false, presets: '' }],
    [
      ['explain', '--backend', 'apps/portal'],
      { command: 'explain', json: false, backend: 'apps/portal' },
    ],
  ])('reads %j', (argv, args) => {
    expect(parseCliArgs(argv)).toEqual({ args });
  });

  it('answers --help with the usage', () => {
    expect(parseCliArgs(['--help'])).toEqual({ help: true });
  });

  it('answers <command> --help with that command, before checking its operands', () => {
    expect(parseCliArgs(['lint', '--help'])).toEqual({
      help: true,
      command: 'lint',
    });
    expect(parseCliArgs(['lst', '--help'])).toEqual({ help: true });
  });

  it.each([
    [[], 'no command given'],
    [['lst'], 'unknown command "lst"'],
    [['list', 'extra'], 'unexpected argument "extra"'],
    [['list', '--presets', 'github'], 'unknown option --presets for "list"'],
    [['check', '--jsno'], 'unknown option --jsno for "check"'],
    [
      ['check', '--presets', 'a', '--presets', 'b'],
      '--presets may be given once',
    ],
    [['list', '--backend', 'x'], 'unknown option --backend for "list"'],
    [
      ['check', '--backend', 'a', '--backend', 'b'],
      '--backend may be given once',
    ],
  ])('refuses %j: %s', (argv, error) => {
    expect(parseCliArgs(argv)).toEqual({ error });
  });
});
