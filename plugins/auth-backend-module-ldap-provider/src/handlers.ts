import type {
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  InputError,
  isError,
  NotAllowedError,
  NotImplementedError,
} from '@backstage/errors';
import {
  AuthProviderRouteHandlers,
  AuthResolverContext,
  BackstageSignInResult,
  prepareBackstageIdentityResponse,
  ProfileTransform,
  SignInInfo,
  SignInResolver,
} from '@backstage/plugin-auth-node';
import type { CookieOptions, Request, Response } from 'express';
import type { LdapProviderConfig } from './config';
import { LdapCredentialsRejected, LdapDirectory, LdapUserEntry } from './ldap';
import type { LdapAuthResult } from './resolvers';
import { LdapSession, LdapSessionSealer } from './session';
import { SignInThrottle, SignInThrottledError } from './throttle';

// One message and status for every credential failure, so a client cannot
// tell an unknown user from a wrong password (or from an injection attempt).
const INVALID_CREDENTIALS = 'Invalid username or password';
const MAX_USERNAME_LENGTH = 256;
const MAX_PASSWORD_LENGTH = 1024;

type Credentials = { username: string; password: string };

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) {
    return true;
  }
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) > 0;
}

/**
 * The credentials of a sign-in request, or undefined for a request without
 * a body (a refresh from the session cookie).
 */
function readCredentials(req: Request): Credentials | undefined {
  if (!hasBody(req)) {
    return undefined;
  }
  if (!req.is('application/json')) {
    throw new InputError(
      'Sign-in expects a JSON body (Content-Type: application/json) with string fields "username" and "password"',
    );
  }
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InputError(
      'Sign-in expects a JSON object with string fields "username" and "password"',
    );
  }
  const { username, password } = body as Record<string, unknown>;
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new InputError(
      'Sign-in expects string fields "username" and "password" in the JSON body',
    );
  }
  if (
    username.length > MAX_USERNAME_LENGTH ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    throw new InputError(
      `"username" may have at most ${MAX_USERNAME_LENGTH} and "password" at most ${MAX_PASSWORD_LENGTH} characters`,
    );
  }
  return { username, password };
}

/** What the route handlers work with; built by the provider factory. */
export type LdapRouteHandlerOptions = {
  providerId: string;
  config: LdapProviderConfig;
  directory: LdapDirectory;
  sealer: LdapSessionSealer;
  cookieOptions: CookieOptions;
  isOriginAllowed: (origin: string) => boolean;
  resolverContext: AuthResolverContext;
  signInResolver: SignInResolver<LdapAuthResult>;
  profileTransform: ProfileTransform<LdapAuthResult>;
  cache?: CacheService;
  throttle: SignInThrottle;
  logger: LoggerService;
  onSignIn?: (
    outcome: 'success' | 'failure',
    attempt: { username: string },
  ) => void;
};

/**
 * Route handlers of the LDAP provider (see createLdapAuthProviderFactory):
 * sign-in and refresh on /refresh, logout on /logout.
 */
export class LdapAuthRouteHandlers implements AuthProviderRouteHandlers {
  readonly #o: LdapRouteHandlerOptions;

  constructor(options: LdapRouteHandlerOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    throw this.#noRedirectFlow();
  }

  async frameHandler(): Promise<void> {
    throw this.#noRedirectFlow();
  }

  async refresh(req: Request, res: Response): Promise<void> {
    // A cross-site form can't set this header, and a cross-site script
    // can't without passing CORS: the cookie can't be used by other sites.
    if (req.header('X-Requested-With') !== 'XMLHttpRequest') {
      throw new AuthenticationError('Invalid X-Requested-With header');
    }
    this.#checkOrigin(req);
    const credentials = readCredentials(req);
    if (!credentials) {
      await this.#respond(await this.#resume(req, res), res);
      return;
    }
    try {
      const entry = await this.#authenticate(credentials, req, res);
      await this.#respond(entry, res, true);
    } catch (error) {
      this.#o.onSignIn?.('failure', { username: credentials.username });
      throw error;
    }
    this.#o.onSignIn?.('success', { username: credentials.username });
  }

  /** Answers with the identity of `entry`; a new sign-in also gets the session cookie. */
  async #respond(entry: LdapUserEntry, res: Response, signedIn = false) {
    const result: LdapAuthResult = {
      dn: entry.dn,
      username: entry.username,
      attributes: entry.attributes,
    };
    const { profile } = await this.#o.profileTransform(
      result,
      this.#o.resolverContext,
    );
    const signInResult = await this.#resolveSignIn({ profile, result });

    if (signedIn) {
      const { value, session } = await this.#o.sealer.seal(entry);
      res.cookie(this.#o.config.cookie.name, value, {
        ...this.#o.cookieOptions,
        expires: session.expiresAt,
      });
    }

    res.status(200).json({
      profile,
      providerInfo: {},
      backstageIdentity: prepareBackstageIdentityResponse(signInResult),
    });
  }

  async logout(req: Request, res: Response): Promise<void> {
    // The LDAP sign-in page's logout sends a JSON body instead of the
    // header; either one needs a CORS preflight cross-site.
    if (
      req.header('X-Requested-With') !== 'XMLHttpRequest' &&
      !req.is('application/json')
    ) {
      throw new AuthenticationError('Invalid X-Requested-With header');
    }
    this.#checkOrigin(req);
    const session = await this.#o.sealer.open(this.#readCookie(req));
    if (session && this.#o.cache) {
      const ttl = session.expiresAt.getTime() - Date.now();
      if (ttl > 0) {
        await this.#o.cache.set(this.#revocationKey(session), true, { ttl });
      }
    }
    this.#clearCookie(res);
    res.status(200).end();
  }

  async #authenticate(
    credentials: Credentials,
    req: Request,
    res: Response,
  ): Promise<LdapUserEntry> {
    let ticket;
    try {
      // req.ip: the socket's address, or the client X-Forwarded-For names
      // when the operator set backend.trustProxy (Express's `trust proxy`).
      ticket = await this.#o.throttle.acquire(credentials.username, req.ip);
    } catch (error) {
      if (error instanceof SignInThrottledError) {
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      }
      throw error;
    }
    let entry: LdapUserEntry;
    try {
      entry = await this.#o.directory.authenticate(
        credentials.username,
        credentials.password,
      );
    } catch (error) {
      if (error instanceof LdapCredentialsRejected) {
        await ticket.failed(error.dn);
        // The typed username is not logged: people type passwords there.
        this.#o.logger.info(
          `LDAP sign-in refused (${error.message})${
            error.dn ? ` for ${error.dn}` : ''
          }`,
        );
        // A fresh error without cause: the response must not vary.
        throw new AuthenticationError(INVALID_CREDENTIALS);
      }
      await ticket.released();
      throw error;
    }
    await ticket.succeeded();
    this.#o.logger.info(`LDAP sign-in: ${entry.dn} authenticated`);
    return entry;
  }

  async #resume(req: Request, res: Response): Promise<LdapUserEntry> {
    const cookie = this.#readCookie(req);
    const session = await this.#o.sealer.open(cookie);
    if (!session || (await this.#isRevoked(session))) {
      if (cookie !== undefined) {
        this.#clearCookie(res);
      }
      throw new AuthenticationError(
        'No valid LDAP session; sign in with username and password',
      );
    }
    const entry = await this.#o.directory.findUser(session.username);
    if (!entry || !sameDn(entry.dn, session.dn)) {
      this.#o.logger.info(
        `LDAP session of ${session.dn} ended: the entry no longer matches ${
          this.#o.config.directory.usernameAttribute
        }=${session.username}`,
      );
      this.#clearCookie(res);
      throw new AuthenticationError(
        'The LDAP session is no longer valid; sign in with username and password',
      );
    }
    return entry;
  }

  async #resolveSignIn(
    info: SignInInfo<LdapAuthResult>,
  ): Promise<BackstageSignInResult> {
    try {
      return await this.#o.signInResolver(info, this.#o.resolverContext);
    } catch (error) {
      // Not found, or the generic "unable to resolve user identity" that
      // the declarative resolver chain throws after trying every resolver.
      if (
        isError(error) &&
        (error.name === 'NotFoundError' || error.name === 'Error')
      ) {
        this.#o.logger.info(
          `LDAP sign-in of ${info.result.dn} refused: no catalog User entity matches (${error.message})`,
        );
        throw new NotAllowedError(
          'The directory accepted these credentials, but no User entity in the catalog matches this user; ask an administrator to add one, or check the sign-in resolvers of the LDAP provider',
        );
      }
      throw error;
    }
  }

  #noRedirectFlow() {
    return new NotImplementedError(
      `The ${
        this.#o.providerId
      } provider has no redirect flow; sign in with POST /refresh and a JSON body of username and password`,
    );
  }

  #checkOrigin(req: Request) {
    const origin = req.header('Origin');
    if (origin && !this.#o.isOriginAllowed(origin)) {
      throw new NotAllowedError(`Origin '${origin}' is not allowed`);
    }
  }

  #readCookie(req: Request): string | undefined {
    const value = req.cookies?.[this.#o.config.cookie.name];
    return typeof value === 'string' ? value : undefined;
  }

  #clearCookie(res: Response) {
    const {
      expires: _expires,
      maxAge: _maxAge,
      ...options
    } = this.#o.cookieOptions;
    res.clearCookie(this.#o.config.cookie.name, options);
  }

  #revocationKey(session: LdapSession) {
    return `ldap-session-revoked:${this.#o.providerId}:${session.id}`;
  }

  async #isRevoked(session: LdapSession): Promise<boolean> {
    if (!this.#o.cache) {
      return false;
    }
    return (await this.#o.cache.get(this.#revocationKey(session))) === true;
  }
}

/** DNs as returned by the same server; compared without case and spacing around separators. */
function sameDn(a: string, b: string): boolean {
  const norm = (dn: string) => dn.replace(/\s*([,=+])\s*/g, '$1').toLowerCase();
  return norm(a) === norm(b);
}
