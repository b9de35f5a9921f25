import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigSources } from '@backstage/config-loader';
import { createPresetConfigSource } from './createPresetConfigSource';
import { loadPresets } from '../__testUtils__/configPresets';
import {
  guestInProductionWarning,
  guestSignInPolicy,
  platformGuestConfig,
  resolvePresets,
} from '@devportal/plugin-presets-common';

const PRODUCTION = { NODE_ENV: 'production' };

describe('guestSignInPolicy', () => {
  it.each([
    [{}, 'trial'],
    [{ NODE_ENV: 'development' }, 'trial'],
    [{ NODE_ENV: 'test' }, 'trial'],
    [{ NODE_ENV: 'development', DEVPORTAL_ALLOW_GUEST: 'false' }, 'trial'],
    [PRODUCTION, 'off'],
    [{ NODE_ENV: ' production ' }, 'off'],
    [{ ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: 'false' }, 'off'],
    [{ ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: '' }, 'off'],
    [{ ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: 'yes' }, 'off'],
    [{ ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: 'true' }, 'opted-in'],
    [{ ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: ' TRUE ' }, 'opted-in'],
  ])('%j: %s', (env, reason) => {
    const policy = guestSignInPolicy(env);
    expect(policy.reason).toBe(reason);
    expect(policy.allowed).toBe(reason !== 'off');
  });
});

describe('platformGuestConfig', () => {
  it('allows upstream guest sign-in outside development only where the policy does', () => {
    const on = {
      auth: {
        providers: { guest: { dangerouslyAllowOutsideDevelopment: true } },
      },
    };
    expect(platformGuestConfig({})).toEqual(on);
    expect(
      platformGuestConfig({ ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: 'true' }),
    ).toEqual(on);
    // Off: no guest key at all, and the frontend hides its guest button.
    expect(platformGuestConfig(PRODUCTION)).toEqual({
      platform: { guest: { enabled: false } },
    });
  });
});

describe('guestInProductionWarning', () => {
  const optedIn = { ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: 'true' };

  it('warns only where guest sign-in runs in production', () => {
    expect(guestInProductionWarning(optedIn, [])).toMatch(
      /^guest sign-in is ON in production \(NODE_ENV=production, DEVPORTAL_ALLOW_GUEST=true\)/,
    );
    expect(
      guestInProductionWarning(optedIn, [{ exclusiveGroup: 'identity' }]),
    ).toBeUndefined();
    expect(guestInProductionWarning(PRODUCTION, [])).toBeUndefined();
    expect(guestInProductionWarning({}, [])).toBeUndefined();
  });
});

describe('guest sign-in in a selection', () => {
  const mockDir = createMockDirectory();
  beforeAll(() =>
    mockDir.setContent({
      'app-config.yaml': 'auth:\n  environment: production\n',
      presets: {
        'idp.yaml':
          'name: idp\ndescription: an identity\nversion: 1.0.0\nexclusive_group: identity\n',
        'tools.yaml': [
          'name: tools',
          'description: tools for signed-in people',
          'version: 1.0.0',
          'requires:',
          '  signIn: anonymous callers would get the tools',
          '',
        ].join('\n'),
        'plain.yaml': 'name: plain\ndescription: p\nversion: 1.0.0\n',
      },
    }),
  );
  const resolveIn = (selection: string, env: Record<string, string> = {}) =>
    resolvePresets({
      rootDir: mockDir.path,
      env: { VEECODE_PRESETS: selection, ...env },
    });

  it('refuses a preset that requires sign-in in production without an identity preset, naming the reason and both fixes', () => {
    const { problems } = resolveIn('plain,tools', PRODUCTION);
    expect(problems).toEqual([
      {
        kind: 'missing-group',
        message:
          'preset "tools" needs real sign-in with NODE_ENV=production, but no identity preset is selected (one of: idp) and guest sign-in is off in production: anonymous callers would get the tools',
        hint: 'select an identity preset before it, e.g. VEECODE_PRESETS=plain,idp,tools; or, to let anyone who reaches the backend sign in as guest, set DEVPORTAL_ALLOW_GUEST=true',
      },
    ]);
  });

  it('accepts it with an identity preset, with the opt-in, and outside production', () => {
    expect(resolveIn('idp,tools', PRODUCTION).problems).toEqual([]);
    expect(resolveIn('tools,idp', PRODUCTION).problems).toEqual([]);
    expect(
      resolveIn('tools', { ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: 'true' })
        .problems,
    ).toEqual([]);
    expect(resolveIn('tools').problems).toEqual([]);
    expect(resolveIn('tools', { NODE_ENV: 'development' }).problems).toEqual(
      [],
    );
  });

  it('refuses a DEVPORTAL_ALLOW_GUEST that is neither true nor false, without echoing it', () => {
    const { problems } = resolveIn('plain', {
      NODE_ENV: 'development',
      DEVPORTAL_ALLOW_GUEST: 'yes-please',
    });
    expect(problems).toEqual([
      {
        kind: 'invalid-variables',
        message: 'variable DEVPORTAL_ALLOW_GUEST is neither "true" nor "false"',
        hint: expect.stringContaining('DEVPORTAL_ALLOW_GUEST=true'),
      },
    ]);
    expect(JSON.stringify(problems)).not.toContain('yes-please');
  });

  it('layers the guest flag above app-config.yaml only where the policy allows guest sign-in', async () => {
    const guestFlag = async (env: Record<string, string>) => {
      const config = await ConfigSources.toConfig(
        createPresetConfigSource({
          presets: loadPresets(mockDir, ['plain']),
          argv: ['node', 'backend'],
          env,
          rootDir: mockDir.path,
          watch: false,
        }),
      );
      try {
        return config.getOptionalBoolean(
          'auth.providers.guest.dangerouslyAllowOutsideDevelopment',
        );
      } finally {
        config.close();
      }
    };
    expect(await guestFlag({})).toBe(true);
    expect(await guestFlag(PRODUCTION)).toBeUndefined();
    expect(
      await guestFlag({ ...PRODUCTION, DEVPORTAL_ALLOW_GUEST: 'true' }),
    ).toBe(true);
  });
});
