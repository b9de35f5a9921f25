import { NotFoundError } from '@backstage/errors';
import type { AuthResolverContext } from '@backstage/plugin-auth-node';
import { identitySignInResolvers } from './resolvers';

/** Signs in with the userinfo claims given; the context records its query. */
async function signInWith(userinfo: Record<string, unknown>) {
  const signInWithCatalogUser = jest.fn(async () => ({ token: 'a-token' }));
  const resolver =
    identitySignInResolvers.verifiedEmailMatchingUserEntityProfileEmail();
  const result = resolver(
    {
      profile: {},
      result: { fullProfile: { userinfo, tokenset: {} } },
    } as any,
    { signInWithCatalogUser } as unknown as AuthResolverContext,
  );
  return { result, signInWithCatalogUser };
}

describe('verifiedEmailMatchingUserEntityProfileEmail', () => {
  it('signs in with the User whose profile email is the verified email claim', async () => {
    const { result, signInWithCatalogUser } = await signInWith({
      email: 'ana@acme.example',
      email_verified: true,
    });
    await expect(result).resolves.toEqual({ token: 'a-token' });
    expect(signInWithCatalogUser).toHaveBeenCalledWith({
      filter: { 'spec.profile.email': 'ana@acme.example' },
    });
  });

  it.each([
    [
      'an unverified email',
      { email: 'ana@acme.example', email_verified: false },
    ],
    ['no email', { preferred_username: 'ana' }],
  ])(
    'hands %s over to the next resolver, never matching it',
    async (_label, userinfo) => {
      const { result, signInWithCatalogUser } = await signInWith(userinfo);
      await expect(result).rejects.toBeInstanceOf(NotFoundError);
      expect(signInWithCatalogUser).not.toHaveBeenCalled();
    },
  );
});
