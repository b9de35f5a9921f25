import { Strategy as MicrosoftStrategy } from 'passport-microsoft';
import type { PassportProfile } from '@backstage/plugin-auth-node';

/** The application id of Microsoft Graph: the `aud` of a token meant for it, in every cloud. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const PROFILE_READ_SCOPES = [
  'https://graph.microsoft.com/user.read',
  'https://graph.microsoft.com/user.read.all',
  'user.read',
  'user.read.all',
];
/** The photo size the sign-in profile shows; Graph serves it as JPEG. */
const PHOTO_SIZE = '96x96';

/** Options of {@link EntraIdStrategy}. */
export interface EntraIdStrategyOptions {
  clientId: string;
  clientSecret: string;
  callbackUrl: string;
  tenantId: string;
  /** e.g. `https://login.microsoftonline.com`, without a trailing slash. */
  authority: string;
  /** e.g. `https://graph.microsoft.com/v1.0`, without a trailing slash. */
  graphBaseUrl: string;
  skipUserProfile: boolean;
}

/** What the strategy hands the authenticator helper after a code exchange. */
export interface EntraIdStrategyResult {
  fullProfile: PassportProfile;
  params: Record<string, any>;
  accessToken: string;
}

/** The claims of a JWT, without verifying it: Graph tokens are opaque to their clients. */
function unverifiedClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) {
    throw new Error('not a JWT');
  }
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

/** Whether Graph will answer `/me` with this token (it is for Graph, with a user-read scope). */
function canReadProfile(accessToken: string): boolean {
  try {
    const { aud, scp } = unverifiedClaims(accessToken);
    return (
      aud === GRAPH_APP_ID &&
      typeof scp === 'string' &&
      scp.split(' ').some(s => PROFILE_READ_SCOPES.includes(s.toLowerCase()))
    );
  } catch {
    // An opaque token may still be Graph's: ask, as upstream does.
    return true;
  }
}

/**
 * The profile shape of `passport-microsoft`, which upstream's Microsoft
 * sign-in resolvers read (`id` for the user-id annotation, `emails`).
 */
function toPassportProfile(json: Record<string, any>, raw: string) {
  return {
    provider: 'microsoft',
    id: json.id,
    displayName: json.displayName,
    name: { familyName: json.surname, givenName: json.givenName },
    emails: [{ type: 'work', value: json.mail || json.userPrincipalName }],
    _raw: raw,
    _json: json,
  } as PassportProfile;
}

/**
 * `passport-microsoft` with every endpoint under a configurable authority and
 * Graph base URL: the upstream strategy builds the authorize and token URLs
 * from its options but always reads the profile from graph.microsoft.com,
 * which sovereign clouds (graph.microsoft.us, microsoftgraph.chinacloudapi.cn)
 * do not serve.
 */
export class EntraIdStrategy extends MicrosoftStrategy {
  // Not #private: passport's helpers run the strategy through
  // Object.create(strategy), which cannot reach private class fields.
  private readonly graphBaseUrl: string;
  private readonly shouldSkipUserProfile: boolean;

  constructor(options: EntraIdStrategyOptions) {
    const tenantUrl = `${options.authority}/${encodeURIComponent(
      options.tenantId,
    )}/oauth2/v2.0`;
    super(
      {
        clientID: options.clientId,
        clientSecret: options.clientSecret,
        callbackURL: options.callbackUrl,
        tenant: options.tenantId,
        authorizationURL: `${tenantUrl}/authorize`,
        tokenURL: `${tenantUrl}/token`,
      },
      (
        accessToken: string,
        refreshToken: string,
        params: Record<string, any>,
        fullProfile: PassportProfile,
        done: (
          err: Error | undefined,
          result: EntraIdStrategyResult,
          privateInfo: { refreshToken: string },
        ) => void,
      ) => {
        done(undefined, { fullProfile, params, accessToken }, { refreshToken });
      },
    );
    this.graphBaseUrl = options.graphBaseUrl;
    this.shouldSkipUserProfile = options.skipUserProfile;
  }

  /**
   * Reads `/me` (and the photo) from Graph. Without a token Graph accepts,
   * the profile is left out so the authenticator can fetch one with a
   * refresh token for Graph, as upstream does.
   */
  userProfile(
    accessToken: string,
    done: (err?: Error | null, profile?: PassportProfile) => void,
  ): void {
    if (this.shouldSkipUserProfile || !canReadProfile(accessToken)) {
      done(null, undefined);
      return;
    }
    this.fetchProfile(accessToken).then(
      profile => done(null, profile),
      error => done(error),
    );
  }

  private async fetchProfile(accessToken: string): Promise<PassportProfile> {
    const res = await fetch(`${this.graphBaseUrl}/me`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    const raw = await res.text();
    if (!res.ok) {
      throw new Error(
        `Failed to fetch the user profile from Microsoft Graph, HTTP ${
          res.status
        }: ${raw.slice(0, 300)}`,
      );
    }
    const profile = toPassportProfile(JSON.parse(raw), raw);
    const photo = await this.fetchPhoto(accessToken);
    return photo ? { ...profile, photos: [{ value: photo }] } : profile;
  }

  /** The user's photo as a data URL; none when Graph has none (404) or fails. */
  private async fetchPhoto(accessToken: string): Promise<string | undefined> {
    try {
      const res = await fetch(
        `${this.graphBaseUrl}/me/photos/${PHOTO_SIZE}/$value`,
        { headers: { Authorization: `Bearer ${accessToken}` } },
      );
      if (!res.ok) {
        return undefined;
      }
      const type = res.headers.get('content-type') ?? 'image/jpeg';
      const data = Buffer.from(await res.arrayBuffer()).toString('base64');
      return `data:${type};base64,${data}`;
    } catch {
      // A photo is decoration: sign-in goes on without it.
      return undefined;
    }
  }
}
