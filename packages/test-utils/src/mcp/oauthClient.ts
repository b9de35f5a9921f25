/*
 * An MCP client's OAuth side, as the SDK asks a client to provide it: where
 * the user is sent back to, what the client says about itself, and where it
 * keeps what it registered and received. Kept in memory, and the "browser"
 * is the test: the authorization URL the SDK would open is recorded for the
 * test to take through the consent step.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
  // eslint-disable-next-line @backstage/no-undeclared-imports
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { randomBytes } from 'node:crypto';

/** Options of {@link TestOAuthClient}. */
export interface TestOAuthClientOptions {
  /** Where the authorization server sends the user back, e.g. `http://127.0.0.1:<port>/callback`. */
  redirectUrl: string;
  /** The client's name, shown on the consent page. */
  clientName: string;
  /**
   * The client's Client ID Metadata Document URL (https). When set and the
   * authorization server supports CIMD, the SDK uses it as the client id
   * instead of registering dynamically.
   */
  clientMetadataUrl?: string;
}

/** An {@link OAuthClientProvider} that keeps everything in memory. */
export class TestOAuthClient implements OAuthClientProvider {
  readonly clientMetadataUrl?: string;
  /** The authorization URLs the SDK asked to open, in order. */
  readonly authorizationUrls: URL[] = [];
  /** What this client registered or was given, once it has. */
  registration?: OAuthClientInformationMixed;
  /** The tokens the authorization server issued, once it has. */
  issued?: OAuthTokens;
  private verifier?: string;
  private readonly states: string[] = [];

  constructor(private readonly options: TestOAuthClientOptions) {
    this.clientMetadataUrl = options.clientMetadataUrl;
  }

  get redirectUrl(): string {
    return this.options.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName,
      redirect_uris: [this.options.redirectUrl],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // A registered (DCR) client authenticates with its secret; a CIMD
      // client is public and proves itself with PKCE alone.
      token_endpoint_auth_method: this.options.clientMetadataUrl
        ? 'none'
        : 'client_secret_basic',
    };
  }

  /** A fresh `state` per authorization request, kept to check the redirect. */
  state(): string {
    const state = randomBytes(16).toString('base64url');
    this.states.push(state);
    return state;
  }

  /** Whether `state` is one this client sent. */
  sentState(state: string | null): boolean {
    return state !== null && this.states.includes(state);
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.registration;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.registration = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.issued;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.issued = tokens;
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.authorizationUrls.push(authorizationUrl);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.verifier) {
      throw new Error(
        'no PKCE code verifier saved: authorization never started',
      );
    }
    return this.verifier;
  }

  /** The last authorization URL the SDK asked to open. */
  lastAuthorizationUrl(): URL {
    const url = this.authorizationUrls[this.authorizationUrls.length - 1];
    if (!url) {
      throw new Error(
        'the MCP client never asked to open an authorization URL',
      );
    }
    return url;
  }

  /** Every value of this client a log must not show: client secret, PKCE verifier, tokens. */
  secrets(): string[] {
    const registration = this.registration as { client_secret?: string };
    return [
      registration?.client_secret,
      this.verifier,
      this.issued?.access_token,
      this.issued?.id_token,
      this.issued?.refresh_token,
    ].filter((s): s is string => !!s);
  }
}
