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
    [
      ['sync', 'pending'],
      { command: 'sync', json: false, sync: { action: 'pending' } },
    ],
    [
      [
        'sync',
        'approve',
        'LdapOrgEntityProvider:default',
        '--url',
        'https://portal.example.com',
        '--token-file',
        '/run/secrets/token',
      ],
      {
        command: 'sync',
        json: false,
        sync: { action: 'approve', provider: 'LdapOrgEntityProvider:default' },
        url: 'https://portal.example.com',
        tokenFile: '/run/secrets/token',
      },
    ],
    [
      ['sync', '--json', 'reject', 'LdapOrgEntityProvider:default'],
      {
        command: 'sync',
        json: true,
        sync: { action: 'reject', provider: 'LdapOrgEntityProvider:default' },
      },
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

  it('answers sync <command> --help with that sync command', () => {
    expect(parseCliArgs(['sync', '--help'])).toEqual({
      help: true,
      command: 'sync',
    });
    expect(parseCliArgs(['sync', 'approve', '--help'])).toEqual({
      help: true,
      command: 'sync',
      syncAction: 'approve',
    });
    expect(parseCliArgs(['sync', 'aprove', '--help'])).toEqual({
      help: true,
      command: 'sync',
    });
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
    [['sync'], 'sync needs a command: pending, approve, reject'],
    [
      ['sync', 'list'],
      'unknown sync command "list" (pending, approve, reject)',
    ],
    [
      ['sync', 'approve'],
      'sync approve needs the provider, as "presets sync pending" names it',
    ],
    [['sync', 'reject', 'a', 'b'], 'unexpected argument "b"'],
    [['sync', 'pending', 'a'], 'unexpected argument "a"'],
    [
      ['sync', 'pending', '--presets', 'ldap'],
      'unknown option --presets for "sync"',
    ],
    [['check', '--url', 'http://x'], 'unknown option --url for "check"'],
    [
      ['sync', 'pending', '--url', 'localhost:7007'],
      '--url needs an http or https URL, not "localhost:7007"',
    ],
    [
      ['sync', 'pending', '--url', 'portal'],
      '--url needs the backend\'s base URL (http://host:7007), not "portal"',
    ],
    [
      ['sync', 'pending', '--token-file='],
      '--token-file needs the path of the file holding the token',
    ],
    [
      ['sync', 'pending', '--url', 'http://a', '--url', 'http://b'],
      '--url may be given once',
    ],
  ])('refuses %j: %s', (argv, error) => {
    expect(parseCliArgs(argv)).toEqual({ error });
  });
});
