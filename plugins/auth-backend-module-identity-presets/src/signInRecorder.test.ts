import { signInAttributes } from './signInRecorder';

describe('signInAttributes', () => {
  it('labels a sign-in with the provider id and the outcome only', () => {
    expect(signInAttributes('ldap', 'success')).toEqual({
      provider: 'ldap',
      outcome: 'success',
    });
    expect(signInAttributes('oidc', 'failure')).toEqual({
      provider: 'oidc',
      outcome: 'failure',
    });
  });
});
