import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/frontend-test-utils';
import {
  configApiRef,
  discoveryApiRef,
  IdentityApi,
} from '@backstage/frontend-plugin-api';
import { OAuthRequestManager } from '@backstage/core-app-api';
import { LdapAuth, ldapAuthApiRef } from '../apis/ldapAuthApi';
import {
  createKeycloakAuth,
  keycloakAuthApiRef,
} from '../apis/keycloakAuthApi';
import { PresetsSignInPage } from './PresetsSignInPage';

/** A token whose payload names ana, as the backend's would. */
const TOKEN = `h.${btoa(
  JSON.stringify({ sub: 'user:default/ana', ent: ['user:default/ana'] }),
)}.s`;

interface FakeRequest {
  url: string;
  method?: string;
  headers: Record<string, string>;
  body?: string;
}

function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: '',
    headers: { get: (name: string) => headers[name] ?? null },
    json: async () => body,
  } as unknown as Response;
}

/**
 * The LDAP provider's routes as the backend answers them: ana with her
 * password signs in; any other password is refused; without a body (a
 * refresh), only after a sign-in (the session cookie).
 */
function fakeLdapBackend() {
  const requests: FakeRequest[] = [];
  let session = false;
  const fetchFn = jest.fn(async (url: string, init: RequestInit) => {
    const request: FakeRequest = {
      url,
      method: init.method,
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    };
    requests.push(request);
    if (request.headers['X-Requested-With'] !== 'XMLHttpRequest') {
      return jsonResponse(401, {
        error: { message: 'Invalid X-Requested-With header' },
      });
    }
    const credentials = request.body ? JSON.parse(request.body) : undefined;
    if (
      credentials
        ? credentials.username === 'ana' &&
          credentials.password === 'ana-password'
        : session
    ) {
      session = true;
      return jsonResponse(200, {
        profile: { displayName: 'Ana Lima', email: 'ana@example.com' },
        providerInfo: {},
        backstageIdentity: {
          token: TOKEN,
          expiresInSeconds: 3600,
          identity: {
            type: 'user',
            userEntityRef: 'user:default/ana',
            ownershipEntityRefs: ['user:default/ana', 'group:default/team-a'],
          },
        },
      });
    }
    if (credentials?.password === 'throttled') {
      return jsonResponse(
        429,
        {
          error: {
            message: 'Too many failed sign-in attempts; try again in 3 seconds',
          },
        },
        { 'Retry-After': '3' },
      );
    }
    return jsonResponse(401, {
      error: {
        name: 'AuthenticationError',
        message: credentials
          ? 'Invalid username or password'
          : 'No valid LDAP session; sign in with username and password',
      },
    });
  });
  return { fetch: fetchFn as unknown as typeof fetch, requests };
}

function renderSignInPage(
  config: object,
  ldap = fakeLdapBackend(),
  onSignInSuccess: (identity: IdentityApi) => void = jest.fn(),
) {
  const discoveryApi = mockApis.discovery({ baseUrl: 'http://portal.test' });
  const ldapAuth = LdapAuth.create({
    discoveryApi,
    environment: 'production',
    fetch: ldap.fetch,
  });
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [
          configApiRef,
          mockApis.config({ data: { app: { title: 'DevPortal' }, ...config } }),
        ],
        [discoveryApiRef, discoveryApi],
        [ldapAuthApiRef, ldapAuth],
        [
          keycloakAuthApiRef,
          createKeycloakAuth({
            discoveryApi,
            oauthRequestApi: new OAuthRequestManager(),
            environment: 'production',
          }),
        ],
      ]}
    >
      <PresetsSignInPage onSignInSuccess={onSignInSuccess} />
    </TestApiProvider>,
  );
}

// Typing into MUI fields is slow in jsdom, and slower on a busy machine.
jest.setTimeout(30_000);

describe('PresetsSignInPage', () => {
  it('shows the LDAP form for signInPage: ldap, with labelled fields for password managers', async () => {
    renderSignInPage({ signInPage: 'ldap' });
    const username = await screen.findByLabelText(/Username/);
    const password = screen.getByLabelText(/Password/);
    expect(username).toHaveAttribute('autocomplete', 'username');
    expect(password).toHaveAttribute('autocomplete', 'current-password');
    expect(password).toHaveAttribute('type', 'password');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('keeps the form with the error after a wrong password, then signs in with the right one', async () => {
    const ldap = fakeLdapBackend();
    const onSignInSuccess = jest.fn();
    renderSignInPage({ signInPage: 'ldap' }, ldap, onSignInSuccess);

    await userEvent.type(await screen.findByLabelText(/Username/), 'ana');
    await userEvent.type(screen.getByLabelText(/Password/), 'wrong');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Invalid username or password',
    );
    expect(screen.getByLabelText(/Username/)).toHaveValue('ana');
    expect(onSignInSuccess).not.toHaveBeenCalled();

    await userEvent.type(screen.getByLabelText(/Password/), 'throttled');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() =>
      expect(screen.getByRole('alert')).toHaveTextContent(
        'try again in 3 seconds',
      ),
    );

    await userEvent.type(screen.getByLabelText(/Password/), 'ana-password');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));

    const identity: IdentityApi = onSignInSuccess.mock.calls[0][0];
    expect(await identity.getBackstageIdentity()).toMatchObject({
      userEntityRef: 'user:default/ana',
    });
    expect(await identity.getProfileInfo()).toMatchObject({
      displayName: 'Ana Lima',
    });
    expect(await identity.getCredentials()).toEqual({ token: TOKEN });

    const signIn = ldap.requests.find(r => r.body?.includes('ana-password'))!;
    expect(signIn.url).toBe(
      'http://portal.test/api/auth/ldap/refresh?env=production',
    );
    expect(signIn.method).toBe('POST');
    expect(signIn.headers['Content-Type']).toBe('application/json');
  });

  it('signs in from the session cookie without the form (a reload)', async () => {
    const ldap = fakeLdapBackend();
    // A first page signs in...
    await LdapAuth.create({
      discoveryApi: mockApis.discovery({ baseUrl: 'http://portal.test' }),
      fetch: ldap.fetch,
    }).signInWithPassword({ username: 'ana', password: 'ana-password' });
    // ...and the reloaded one finds the session.
    const onSignInSuccess = jest.fn();
    renderSignInPage({ signInPage: 'ldap' }, ldap, onSignInSuccess);
    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));
    expect(screen.queryByLabelText(/Password/)).not.toBeInTheDocument();
    // The page's one request: a refresh without credentials.
    expect(ldap.requests.at(-1)?.body).toBeUndefined();
  });

  it.each([
    ['github', 'GitHub'],
    ['gitlab', 'GitLab'],
    ['microsoft', 'Microsoft'],
    ['keycloak', 'Keycloak'],
    ['okta', 'Okta'],
  ])('shows one %s button', async (signInPage, title) => {
    renderSignInPage({ signInPage });
    expect(await screen.findByText(title)).toBeInTheDocument();
    expect(screen.getAllByRole('button')).toHaveLength(1);
    expect(screen.getByRole('button')).toHaveTextContent(/sign in/i);
    expect(screen.queryByLabelText(/Password/)).not.toBeInTheDocument();
  });

  it('shows the oidc button with the title the preset sets', async () => {
    renderSignInPage({
      signInPage: 'oidc',
      platform: { signInTitle: 'Acme SSO', guest: { enabled: false } },
    });
    expect(await screen.findByText('Acme SSO')).toBeInTheDocument();
    expect(screen.getAllByRole('button')).toHaveLength(1);
    expect(screen.getByRole('button')).toHaveTextContent(/sign in/i);
  });

  it('shows the guest button without an identity preset', async () => {
    renderSignInPage({});
    expect(
      await screen.findByRole('button', { name: /enter/i }),
    ).toBeInTheDocument();
  });

  it('says how to fix a portal where nobody can sign in', async () => {
    renderSignInPage({ platform: { guest: { enabled: false } } });
    expect(
      await screen.findByText('No sign-in is configured'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/VEECODE_PRESETS=recommended,ldap/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/set DEVPORTAL_ALLOW_GUEST=true\./),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('names an unknown sign-in page instead of showing a wrong one', async () => {
    renderSignInPage({ signInPage: 'auth0' });
    expect(await screen.findByText(/sign-in page "auth0"/)).toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });
});
