/*
 * What the fake Okta org holds and how its parts see it: the people, groups
 * and app integration a test seeds, and one request as a route handles it.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type express from 'express';
import { HttpError } from '../http';

/** A person in the org. */
export interface OktaUserSeed {
  /** Okta's user id, e.g. `00u1ana`. */
  id: string;
  /** The username people sign in with, usually an email address. */
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  /** Signs in on the fake's sign-in page. */
  password: string;
  /** Default `ACTIVE`; only active users can sign in. */
  status?: 'ACTIVE' | 'STAGED' | 'PROVISIONED' | 'SUSPENDED' | 'DEPROVISIONED';
  /** Any further profile attributes, e.g. `department`, which searches can select on. */
  profile?: Record<string, string>;
}

/** A group of the org. */
export interface OktaGroupSeed {
  /** Okta's group id, e.g. `00g1eng`. */
  id: string;
  name: string;
  description?: string;
  /** Default `OKTA_GROUP`; `BUILT_IN` is Everyone. */
  type?: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  /** The ids of its members. */
  members: string[];
}

/** The OIDC web app integration the backend signs people in with. */
export interface OktaAppIntegration {
  clientId: string;
  clientSecret: string;
  /** Sign-in redirect URIs; any other is refused, as Okta does. */
  redirectUris: string[];
}

/** The org as the fake's parts read it: always the current directory. */
export interface OktaOrg {
  users(): OktaUserSeed[];
  groups(): OktaGroupSeed[];
  /** `http://127.0.0.1:<port>` */
  origin(): string;
  /** Where a part notes a request it refused or did not know. */
  unexpected: string[];
}

/** What a route of the fake gets. */
export interface Exchange {
  req: express.Request;
  res: ServerResponse;
  url: URL;
  /** The url-encoded body of a POST, empty otherwise. */
  form: URLSearchParams;
}

/** Okta's error body for the management API (and the org's 404). */
export function apiError(
  status: number,
  code: string,
  summary: string,
): HttpError {
  return new HttpError(status, {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: `oae${randomBytes(8).toString('hex')}`,
    errorCauses: [],
  });
}
