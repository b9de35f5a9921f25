/*
 * The guard's routes, mounted in the auth plugin's router ahead of the
 * plugin's own: each checks a request and either answers with an OAuth
 * error or passes it on (`next()`) to the auth plugin, untouched.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import express, {
  ErrorRequestHandler,
  NextFunction,
  Request,
  RequestHandler,
  Response,
  Router,
} from 'express';
import {
  OAuthRequestError,
  REGISTRATION_LIMITS,
  checkAuthorizationRequest,
  checkCodeRedemption,
  checkRegistrationRequest,
  rateLimitKey,
  readClientCredentials,
  registeredAuthMethod,
} from './requests';
import type { CodeBinding } from './requests';
import { RateLimitDecision } from './stores';
import {
  GuardAuditDeps,
  auditAnswer,
  auditConsentApproval,
  auditRegistration,
} from './audit';

/** What the router needs besides the request. */
export interface OAuthServerGuardRouterOptions extends GuardAuditDeps {
  logger: LoggerService;
  /** What the auth plugin stored for an authorization code. */
  readCodeBinding(code: string): Promise<CodeBinding | undefined>;
  /**
   * Counts a registration attempt from a client address; absent when
   * dynamic client registration is off (the route does not exist then).
   */
  takeRegistration?(address: string): Promise<RateLimitDecision>;
  /** Records that a client registered as public (`token_endpoint_auth_method: none`). */
  recordPublicClient?(clientId: string): Promise<void>;
}

function send(res: Response, error: OAuthRequestError) {
  res
    .status(error.status)
    .set({ 'Cache-Control': 'no-store', ...error.headers })
    .json(error.body());
}

function handle(
  fn: (req: Request, res: Response) => Promise<OAuthRequestError | undefined>,
): RequestHandler {
  return (req, res, next: NextFunction) => {
    fn(req, res).then(refusal => (refusal ? send(res, refusal) : next()), next);
  };
}

/**
 * Parses the body the way the auth plugin's router does (form or JSON;
 * `extended: false` as there), so that its own parsers find the body
 * already read and use this one.
 */
function bodyParsers(limit?: number): RequestHandler[] {
  return [
    express.urlencoded({ extended: false, ...(limit ? { limit } : {}) }),
    express.json(limit ? { limit } : {}),
  ];
}

/** body-parser's errors (too large, malformed), as OAuth errors. */
function bodyErrors(errorCode: string, limit?: number): ErrorRequestHandler {
  return (err, _req, res, next) => {
    const type = (err as { type?: unknown })?.type;
    if (typeof type !== 'string') {
      next(err);
      return;
    }
    const status = Number((err as { status?: unknown }).status) || 400;
    const description =
      type !== 'entity.too.large'
        ? 'The request body could not be read as JSON or as a form'
        : `The request body is too large${
            limit ? `: at most ${limit} bytes are accepted` : ''
          }`;
    send(res, new OAuthRequestError(status, errorCode, description));
  };
}

/** Drops `plain` from the advertised PKCE methods: it is refused. */
function advertiseS256Only(document: unknown): unknown {
  if (
    document &&
    typeof document === 'object' &&
    Array.isArray(
      (document as Record<string, unknown>).code_challenge_methods_supported,
    )
  ) {
    return { ...document, code_challenge_methods_supported: ['S256'] };
  }
  return document;
}

/**
 * Completes the auth plugin's registration answer with the
 * `token_endpoint_auth_method` the client got (RFC 7591 §3.2.1: the
 * answer carries the registered metadata), and records a public client
 * before the answer leaves, so that its first code finds it recorded.
 */
function reportAuthMethod(
  body: unknown,
  res: Response,
  options: OAuthServerGuardRouterOptions,
) {
  const method = registeredAuthMethod(body);
  const json = res.json.bind(res);
  res.json = (payload: unknown) => {
    const clientId = (payload as { client_id?: unknown } | undefined)
      ?.client_id;
    if (res.statusCode !== 201 || typeof clientId !== 'string') {
      return json(payload);
    }
    const registered = {
      ...(payload as object),
      token_endpoint_auth_method: method,
    };
    if (method !== 'none' || !options.recordPublicClient) {
      return json(registered);
    }
    options.recordPublicClient(clientId).then(
      () => json(registered),
      error => {
        options.logger.error(
          `Could not record dynamically registered client ${JSON.stringify(
            clientId,
          )} as public: ${error}`,
        );
        send(
          res.status(500),
          new OAuthRequestError(
            500,
            'server_error',
            'The registration could not be completed; try again',
          ),
        );
      },
    );
    return res;
  };
}

/**
 * The guard's router: `GET /v1/authorize` needs an S256 challenge;
 * `POST /v1/token` redeems a code only for the client it was issued to,
 * authenticated when it holds a secret, with the PKCE verifier;
 * `POST /v1/register` is limited per client address and in size; the
 * discovery document advertises S256 only.
 */
export function createOAuthServerGuardRouter(
  options: OAuthServerGuardRouterOptions,
): Router {
  const { logger } = options;
  const router = Router();

  router.get('/.well-known/openid-configuration', (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(advertiseS256Only(body));
    next();
  });

  router.get(
    '/v1/authorize',
    handle(async req => checkAuthorizationRequest(req.query)),
  );

  router.post('/v1/sessions/:sessionId/approve', (req, res, next) => {
    auditAnswer(res, logger, auditConsentApproval(req, options));
    next();
  });

  router.post(
    '/v1/token',
    ...bodyParsers(),
    handle(async req => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (body.grant_type !== 'authorization_code') {
        return undefined;
      }
      if (typeof body.code !== 'string' || body.code === '') {
        return undefined; // the auth plugin names the missing parameter
      }
      const binding = await options.readCodeBinding(body.code);
      if (!binding) {
        return undefined; // the auth plugin refuses an unknown code
      }
      const credentials = readClientCredentials(
        req.headers.authorization,
        body,
      );
      if (credentials instanceof OAuthRequestError) {
        return credentials;
      }
      const refusal = checkCodeRedemption({
        binding,
        credentials,
        codeVerifier: body.code_verifier,
      });
      if (refusal?.error === 'invalid_grant' && credentials.clientId) {
        // Client ids are public; the code and verifier are never logged.
        logger.warn(
          `OAuth code redemption refused for client ${JSON.stringify(
            credentials.clientId,
          )}: ${refusal.description}`,
        );
      }
      return refusal;
    }),
    bodyErrors('invalid_request'),
  );

  const takeRegistration = options.takeRegistration;
  if (takeRegistration) {
    router.post(
      '/v1/register',
      (req: Request, res: Response, next: NextFunction) => {
        auditAnswer(res, logger, auditRegistration(req, options));
        next();
      },
      handle(async req => {
        const address = rateLimitKey(req.ip ?? req.socket.remoteAddress);
        const decision = await takeRegistration(address);
        if (decision.allowed) {
          return undefined;
        }
        logger.warn(
          `Dynamic client registration refused for ${address}: too many registrations, retry in ${decision.retryAfterSeconds}s`,
        );
        return new OAuthRequestError(
          429,
          'too_many_requests',
          `Too many client registrations from this address; try again in ${decision.retryAfterSeconds} seconds`,
          { 'Retry-After': String(decision.retryAfterSeconds) },
        );
      }),
      ...bodyParsers(REGISTRATION_LIMITS.bodyBytes),
      handle(async req => checkRegistrationRequest(req.body)),
      (req: Request, res: Response, next: NextFunction) => {
        reportAuthMethod(req.body, res, options);
        next();
      },
      bodyErrors('invalid_client_metadata', REGISTRATION_LIMITS.bodyBytes),
    );
  }

  return router;
}
