/*
 * The guard's audit events, for what passes through it to the auth plugin:
 * dynamic client registrations and consent approvals. Each is written from
 * the answer the client gets (the auth plugin's, or the guard's refusal).
 */
import {
  AuditorService,
  AuditorServiceCreateEventOptions,
  AuditorServiceEvent,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Request, Response } from 'express';
import { REGISTRATION_LIMITS } from './requests';

/** What the audit events need besides the request. */
export interface GuardAuditDeps {
  /** Where registrations and consent approvals are audited. */
  auditor: AuditorService;
  /** Who approved a consent (the auth plugin has let only people through). */
  httpAuth: HttpAuthService;
  /** The client an authorization session (a consent) was opened for. */
  readSessionClientId(sessionId: string): Promise<string | undefined>;
}

/**
 * Runs `audit` with the status and JSON body of the answer to a request
 * (the auth plugin's, or this guard's refusal), before the answer leaves,
 * so the audit log has the event by the time the client sees the outcome.
 * An audit that fails is logged; the answer leaves all the same.
 */
export function auditAnswer(
  res: Response,
  logger: LoggerService,
  audit: (status: number, body: unknown) => Promise<void>,
) {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    res.json = json;
    audit(res.statusCode, body)
      .catch(error =>
        logger.warn(
          `Could not write an audit event for ${res.req.path}: ${error}`,
        ),
      )
      .finally(() => json(body));
    return res;
  };
}

/**
 * An audit event for the request, its actor read from the request's
 * credentials. A request whose token the backend cannot read (the OAuth
 * server's routes do not need one) is audited without an actor, with its
 * address, so that sending a bad token does not skip the audit.
 */
async function createRequestEvent(
  auditor: AuditorService,
  req: Request,
  options: Omit<AuditorServiceCreateEventOptions, 'request'>,
): Promise<AuditorServiceEvent> {
  try {
    return await auditor.createEvent({ ...options, request: req });
  } catch {
    return auditor.createEvent({
      ...options,
      meta: { ...options.meta, ip: req.ip },
    });
  }
}

/** Longest string of a client's metadata an audit event carries. */
const AUDITED_LENGTH = 256;

/** What a registration asked for, bounded: a refused one may be of any size. */
function requestedClient(body: unknown) {
  const fields = (body ?? {}) as Record<string, unknown>;
  const name = fields.client_name;
  const uris = fields.redirect_uris;
  return {
    ...(typeof name === 'string' && {
      clientName: name.slice(0, AUDITED_LENGTH),
    }),
    ...(Array.isArray(uris) && {
      redirectUris: uris
        .slice(0, REGISTRATION_LIMITS.redirectUris)
        .map(uri => String(uri).slice(0, AUDITED_LENGTH)),
    }),
  };
}

/** Why an OAuth answer refused: its `error_description`, else its `error`. */
function refusalOf(status: number, body: unknown): Error {
  const fields = (body ?? {}) as Record<string, unknown>;
  const nested = (fields.error ?? {}) as Record<string, unknown>;
  const description =
    fields.error_description ?? nested.message ?? fields.error;
  return new Error(
    `${status}${typeof description === 'string' ? `: ${description}` : ''}`,
  );
}

/**
 * `oauth-client-registered`: a dynamic client registration, with the
 * client's name and redirect URIs and, once registered, its id (never its
 * secret); a refused one (by this guard or the auth plugin) as failed.
 */
export function auditRegistration(req: Request, deps: GuardAuditDeps) {
  return async (status: number, body: unknown) => {
    const event = await createRequestEvent(deps.auditor, req, {
      eventId: 'oauth-client-registered',
      severityLevel: 'medium',
      meta: requestedClient(req.body),
    });
    const clientId = (body as { client_id?: unknown } | undefined)?.client_id;
    if (status === 201 && typeof clientId === 'string') {
      await event.success({ meta: { clientId } });
    } else {
      await event.fail({ error: refusalOf(status, body) });
    }
  };
}

/**
 * `mcp-consent-approved`: a person approved a client on the consent page
 * (the auth plugin's `POST /v1/sessions/:sessionId/approve`), with the
 * person's user entity ref and the client id; a refused approval (an
 * expired session, no user) as failed.
 */
export function auditConsentApproval(req: Request, deps: GuardAuditDeps) {
  // Read now: the auth plugin's router gives the request its own params.
  const sessionId = req.params.sessionId;
  return async (status: number, body: unknown) => {
    const clientId = await deps.readSessionClientId(sessionId);
    let userEntityRef: string | undefined;
    try {
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user'],
      });
      userEntityRef = credentials.principal.userEntityRef;
    } catch {
      userEntityRef = undefined; // refused by the auth plugin as well
    }
    const event = await createRequestEvent(deps.auditor, req, {
      eventId: 'mcp-consent-approved',
      severityLevel: 'medium',
      meta: {
        ...(clientId !== undefined && { clientId }),
        ...(userEntityRef !== undefined && { userEntityRef }),
      },
    });
    if (status === 200) {
      await event.success();
    } else {
      await event.fail({ error: refusalOf(status, body) });
    }
  };
}
