import {
  AuthRequestOptions,
  BackstageIdentityApi,
  BackstageIdentityResponse,
  BackstageUserIdentity,
  createApiRef,
  DiscoveryApi,
  ProfileInfo,
  ProfileInfoApi,
  SessionApi,
  SessionState,
} from '@backstage/frontend-plugin-api';
import { Observable } from '@backstage/types';

/**
 * Sign-in with a username and password checked by LDAP bind, against the
 * `ldap` auth provider of `@devportal/plugin-auth-backend-module-ldap-provider`.
 * The backend keeps the session in an HTTP-only cookie, so a reload signs
 * the person in again without their password.
 *
 * @public
 */
export type LdapAuthApi = BackstageIdentityApi &
  ProfileInfoApi &
  SessionApi & {
    /**
     * Signs in with these credentials. Rejects with an
     * {@link LdapSignInError} (wrong credentials, throttled, no catalog
     * user, directory unreachable).
     */
    signInWithPassword(credentials: {
      username: string;
      password: string;
    }): Promise<BackstageIdentityResponse>;
  };

/**
 * The LDAP auth API of the DevPortal sign-in page.
 *
 * @public
 */
export const ldapAuthApiRef = createApiRef<LdapAuthApi>().with({
  id: 'plugin.presets.auth.ldap',
  pluginId: 'app',
});

/**
 * A refused LDAP sign-in, with the backend's message
 * (`Invalid username or password`,
 * `Too many failed sign-in attempts; try again in 3 seconds`).
 *
 * @public
 */
export class LdapSignInError extends Error {
  /** The HTTP status of the answer: 401 wrong credentials, 429 throttled, 403 no catalog user, 503 directory down. */
  readonly status: number;
  /** For a throttled attempt (429), how long to wait before the next one. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, status: number, retryAfterSeconds?: number) {
    super(message);
    this.name = 'LdapSignInError';
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The body of a successful `POST /api/auth/ldap/refresh`. */
interface LdapSessionResponse {
  profile: ProfileInfo;
  backstageIdentity: {
    token: string;
    expiresInSeconds?: number;
    identity: BackstageUserIdentity;
  };
}

interface LdapSession {
  profile: ProfileInfo;
  identity: BackstageIdentityResponse;
}

/** Refresh this long before the token expires, as Backstage's own session managers do. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * A value that can be observed, remembering the last one: what
 * `sessionState$` needs, without a dependency on an observable library.
 */
class StateSubject<T> {
  #value: T;
  readonly #observers = new Set<{ next?(value: T): void }>();

  constructor(value: T) {
    this.#value = value;
  }

  next(value: T) {
    if (value === this.#value) {
      return;
    }
    this.#value = value;
    for (const observer of this.#observers) {
      observer.next?.(value);
    }
  }

  observable(): Observable<T> {
    const observable: Observable<T> = {
      [Symbol.observable]: () => observable,
      subscribe: (
        observerOrNext?: { next?(value: T): void } | ((value: T) => void),
      ) => {
        const observer =
          typeof observerOrNext === 'function'
            ? { next: observerOrNext }
            : observerOrNext ?? {};
        this.#observers.add(observer);
        observer.next?.(this.#value);
        let closed = false;
        return {
          get closed() {
            return closed;
          },
          unsubscribe: () => {
            closed = true;
            this.#observers.delete(observer);
          },
        };
      },
    } as Observable<T>;
    return observable;
  }
}

/**
 * The {@link LdapAuthApi} over the backend's `/api/auth/ldap` routes:
 * `POST /refresh` with credentials to sign in, without a body to refresh
 * from the session cookie; `POST /logout` to end the session.
 *
 * @public
 */
export class LdapAuth implements LdapAuthApi {
  readonly #discoveryApi: DiscoveryApi;
  readonly #environment: string;
  readonly #providerId: string;
  readonly #fetch: typeof fetch;
  readonly #state = new StateSubject<SessionState>(SessionState.SignedOut);
  #session?: LdapSession;
  #refreshing?: Promise<LdapSession>;

  static create(options: {
    discoveryApi: DiscoveryApi;
    /** `auth.environment`; `development` when unset, as Backstage's other auth APIs. */
    environment?: string;
    /** The auth provider id; `ldap` unless the backend registers it under another. */
    providerId?: string;
    /**
     * The fetch that reaches the auth backend; the browser's by default. Not
     * the app's FetchApi: that one adds the Backstage token, which is what
     * this API is asked for.
     */
    fetch?: typeof fetch;
  }): LdapAuth {
    return new LdapAuth(options);
  }

  private constructor(options: {
    discoveryApi: DiscoveryApi;
    environment?: string;
    providerId?: string;
    fetch?: typeof fetch;
  }) {
    this.#discoveryApi = options.discoveryApi;
    this.#environment = options.environment ?? 'development';
    this.#providerId = options.providerId ?? 'ldap';
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async signInWithPassword(credentials: {
    username: string;
    password: string;
  }): Promise<BackstageIdentityResponse> {
    const session = await this.#post('refresh', credentials);
    return session.identity;
  }

  async getBackstageIdentity(
    options: AuthRequestOptions = {},
  ): Promise<BackstageIdentityResponse | undefined> {
    return (await this.#currentSession(options))?.identity;
  }

  async getProfile(
    options: AuthRequestOptions = {},
  ): Promise<ProfileInfo | undefined> {
    return (await this.#currentSession(options))?.profile;
  }

  /** Resumes the session from its cookie; there is no popup to open, the sign-in page asks for the password. */
  async signIn(): Promise<void> {
    await this.#refresh();
  }

  async signOut(): Promise<void> {
    this.#session = undefined;
    this.#state.next(SessionState.SignedOut);
    const baseUrl = await this.#discoveryApi.getBaseUrl('auth');
    await this.#fetch(
      `${baseUrl}/${this.#providerId}/logout?env=${encodeURIComponent(
        this.#environment,
      )}`,
      {
        method: 'POST',
        credentials: 'include',
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
      },
    );
  }

  sessionState$(): Observable<SessionState> {
    return this.#state.observable();
  }

  async #currentSession(
    options: AuthRequestOptions,
  ): Promise<LdapSession | undefined> {
    const expiresAt = this.#session?.identity.expiresAt;
    if (
      this.#session &&
      (!expiresAt || expiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS)
    ) {
      return this.#session;
    }
    try {
      return await this.#refresh();
    } catch (error) {
      // No session cookie (or an ended one) is "not signed in" for an
      // optional request; anything else (backend down) is an error.
      if (
        options.optional &&
        error instanceof LdapSignInError &&
        error.status === 401
      ) {
        return undefined;
      }
      throw error;
    }
  }

  /** One refresh at a time: every caller waiting for a new token shares it. */
  #refresh(): Promise<LdapSession> {
    if (!this.#refreshing) {
      this.#refreshing = this.#post('refresh').finally(() => {
        this.#refreshing = undefined;
      });
    }
    return this.#refreshing;
  }

  async #post(
    route: 'refresh',
    credentials?: { username: string; password: string },
  ): Promise<LdapSession> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('auth');
    const res = await this.#fetch(
      `${baseUrl}/${this.#providerId}/${route}?env=${encodeURIComponent(
        this.#environment,
      )}`,
      {
        method: 'POST',
        credentials: 'include',
        headers: {
          // The backend's CSRF guard for every auth refresh route.
          'X-Requested-With': 'XMLHttpRequest',
          ...(credentials ? { 'Content-Type': 'application/json' } : {}),
        },
        body: credentials ? JSON.stringify(credentials) : undefined,
      },
    );
    if (!res.ok) {
      if (res.status === 401) {
        this.#session = undefined;
        this.#state.next(SessionState.SignedOut);
      }
      throw await signInErrorOf(res);
    }
    const body = (await res.json()) as LdapSessionResponse;
    const { token, expiresInSeconds, identity } = body.backstageIdentity;
    const session: LdapSession = {
      profile: body.profile,
      identity: {
        token,
        identity,
        ...(expiresInSeconds
          ? { expiresAt: new Date(Date.now() + expiresInSeconds * 1000) }
          : {}),
      },
    };
    this.#session = session;
    this.#state.next(SessionState.SignedIn);
    return session;
  }
}

/** The backend's error message (Backstage's `{ error: { message } }`), or the status. */
async function signInErrorOf(res: Response): Promise<LdapSignInError> {
  let message = `Sign-in failed: ${res.status} ${res.statusText}`.trim();
  try {
    const body = await res.json();
    if (typeof body?.error?.message === 'string') {
      message = body.error.message;
    }
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const retryAfter = Number(res.headers.get('Retry-After'));
  return new LdapSignInError(
    message,
    res.status,
    res.status === 429 && retryAfter > 0 ? retryAfter : undefined,
  );
}
