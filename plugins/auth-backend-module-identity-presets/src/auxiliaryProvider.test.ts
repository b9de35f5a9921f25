import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import {
  AuthProviderFactory,
  AuthResolverContext,
} from '@backstage/plugin-auth-node';
import {
  auxiliaryProviderFactory,
  auxiliarySignInPaths,
} from './auxiliaryProvider';

const githubConfig = {
  production: {
    clientId: 'gh-client',
    clientSecret: 'gh-secret',
    signIn: { resolvers: [{ resolver: 'usernameMatchingUserEntityName' }] },
  },
};

/** Runs the wrapped factory and returns what the provider's own factory got. */
function wrap(config: object) {
  let got: Parameters<AuthProviderFactory>[0] | undefined;
  const context = {
    findCatalogUser: jest.fn(async () => ({ entity: {} as any })),
    resolveOwnershipEntityRefs: jest.fn(async () => ({
      ownershipEntityRefs: [],
    })),
    issueToken: jest.fn(),
    signInWithCatalogUser: jest.fn(),
  };
  auxiliaryProviderFactory(options => {
    got = options;
    return { async start() {}, async frameHandler() {} };
  })({
    providerId: 'github',
    globalConfig: {} as any,
    config: new ConfigReader(config),
    logger: mockServices.logger.mock(),
    resolverContext: context as unknown as AuthResolverContext,
    baseUrl: 'http://localhost:7007/api/auth',
    appUrl: 'http://localhost:3000',
    isOriginAllowed: () => true,
    cookieConfigurer: () => ({} as any),
  } as Parameters<AuthProviderFactory>[0]);
  return { got: got!, context };
}

describe('auxiliaryProviderFactory', () => {
  it('hands the provider its config without sign-in resolvers', () => {
    const { got } = wrap(githubConfig);
    expect(got.config.get()).toEqual({
      production: { clientId: 'gh-client', clientSecret: 'gh-secret' },
    });
  });

  it('gives the provider a resolver context that issues no Backstage identity', async () => {
    const { got, context } = wrap(githubConfig);
    await expect(
      got.resolverContext.signInWithCatalogUser({
        entityRef: { name: 'ana' },
      }),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'auth.providers.github is an extra provider',
      ),
    });
    await expect(
      got.resolverContext.issueToken({ claims: { sub: 'user:default/ana' } }),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    expect(context.signInWithCatalogUser).not.toHaveBeenCalled();
    expect(context.issueToken).not.toHaveBeenCalled();
  });
});

describe('auxiliarySignInPaths', () => {
  it('names the sign-in config an extra provider does not use', () => {
    expect(
      auxiliarySignInPaths(
        new ConfigReader({ ...githubConfig, signIn: { resolvers: [] } }),
      ),
    ).toEqual(['signIn', 'production.signIn']);
    expect(
      auxiliarySignInPaths(
        new ConfigReader({ production: { clientId: 'gh-client' } }),
      ),
    ).toEqual([]);
  });
});
