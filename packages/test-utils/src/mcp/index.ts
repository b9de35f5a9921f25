/*
 * MCP clients against the backend's MCP server, authorized by Backstage's
 * own OAuth 2.1 server: the official SDK client with an in-memory OAuth
 * side, the user's consent step, and a host for Client ID Metadata
 * Documents.
 */
export { TestOAuthClient } from './oauthClient';
export type { TestOAuthClientOptions } from './oauthClient';
export {
  approveAuthorization,
  signInAsGuest,
  startAuthorization,
} from './consent';
export type { Approval, AuthorizationStart, ConsentSession } from './consent';
export { connectWithAuthorization, connectWithToken } from './connect';
export type { Approve } from './connect';
export { startClientMetadataServer } from './clientMetadataServer';
export type {
  ClientDescription,
  ClientMetadataServer,
} from './clientMetadataServer';
export {
  authorizationUrl,
  pkcePair,
  redeemCode,
  registerClient,
} from './oauthRequests';
export type { OAuthAnswer, PkcePair } from './oauthRequests';
export {
  AuthorizationDeniedError,
  startRedirectListener,
} from './redirectListener';
export type {
  AuthorizationRedirect,
  RedirectListener,
} from './redirectListener';
export { decideOnConsentPage, signInAsGuestInBrowser } from './consentPage';
export type {
  ConsentDecision,
  ConsentPageOptions,
  ConsentPageVisit,
} from './consentPage';
