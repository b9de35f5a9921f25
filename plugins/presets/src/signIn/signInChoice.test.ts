import { ConfigReader } from '@backstage/core-app-api';
import {
  defaultPresetsSignInProviders,
  readSignInChoice,
} from './signInChoice';

const choiceOf = (data: object) => readSignInChoice(new ConfigReader(data));

describe('readSignInChoice', () => {
  it.each([
    'ldap',
    'github',
    'gitlab',
    'microsoft',
    'keycloak',
    'oidc',
    'okta',
  ])('follows signInPage: %s', name => {
    expect(choiceOf({ signInPage: name })).toEqual({
      kind: 'provider',
      name,
      provider: defaultPresetsSignInProviders[name],
    });
  });

  it('reads platform.signInProviders when signInPage is unset', () => {
    expect(
      choiceOf({
        platform: { signInProviders: ['keycloak'], guest: { enabled: false } },
      }),
    ).toMatchObject({ kind: 'provider', name: 'keycloak' });
  });

  it('titles the button with platform.signInTitle when the preset sets one', () => {
    expect(
      choiceOf({
        signInPage: 'oidc',
        platform: { signInTitle: 'Acme SSO' },
      }),
    ).toEqual({
      kind: 'provider',
      name: 'oidc',
      provider: { ...defaultPresetsSignInProviders.oidc, title: 'Acme SSO' },
    });
    // The LDAP form has no button to title.
    expect(
      choiceOf({ signInPage: 'ldap', platform: { signInTitle: 'Acme' } }),
    ).toEqual({
      kind: 'provider',
      name: 'ldap',
      provider: defaultPresetsSignInProviders.ldap,
    });
  });

  it('offers guest sign-in without an identity preset', () => {
    expect(choiceOf({})).toEqual({ kind: 'guest' });
    expect(choiceOf({ platform: { guest: { enabled: true } } })).toEqual({
      kind: 'guest',
    });
  });

  it('offers nothing when guest sign-in is off and no identity preset is selected', () => {
    expect(choiceOf({ platform: { guest: { enabled: false } } })).toEqual({
      kind: 'none',
    });
  });

  it('names an unknown sign-in page with the known ones, rather than guessing', () => {
    expect(choiceOf({ signInPage: 'auth0' })).toEqual({
      kind: 'unknown',
      name: 'auth0',
      known: [
        'github',
        'gitlab',
        'keycloak',
        'ldap',
        'microsoft',
        'oidc',
        'okta',
      ],
    });
    // Not an inherited property of the table either.
    expect(choiceOf({ signInPage: 'toString' })).toMatchObject({
      kind: 'unknown',
    });
  });
});
