/*
 * # Fake GitHub Enterprise Server for process-level tests
 *
 * An in-process HTTP server on 127.0.0.1 that speaks what the `github` and
 * `github-auth` presets use, as GitHub Enterprise Server paths under one base
 * URL (the presets' `GITHUB_BASE_URL`):
 *
 * | route                                   | used by                                                                                    |
 * | --------------------------------------- | ------------------------------------------------------------------------------------------ |
 * | `GET /login/oauth/authorize`            | sign-in (`githubAuthenticator`, passport-github2): checks `client_id` and `redirect_uri`,   |
 * |                                         | sends an unsigned-in browser to `/login`, then redirects to the app with `code` and `state` |
 * | `GET /login`, `POST /session`           | the sign-in form: `#login_field`, `#password`, `input[name=commit]`; error in `.flash-error` |
 * | `POST /login/oauth/access_token`        | the code exchange; form or JSON in, form, JSON or XML out by `Accept`; errors with HTTP 200  |
 * | `GET /api/v3/user`                      | the sign-in profile (`login`, `id`, `node_id`, `name`, `email`, `avatar_url`, ...)            |
 * | `POST /api/graphql`                     | org sync (`GithubMultiOrgEntityProvider`: members, teams, team members) and discovery          |
 * |                                         | (`GithubEntityProvider`: repositories with `object(expression: "HEAD:catalog-info.yaml")`)   |
 * | `GET /api/v3/repos/{o}/{r}/contents/{p}` | the catalog's `GithubUrlReader` (raw media type, ETag and 304)                              |
 * | `GET /api/v3/repos/{o}/{r}`, `GET /api/v3/users/{u}` | the reader's default-branch lookup and the suspended-user check                  |
 * | `GET /api/v3/orgs/{org}`, `GET /api/v3/user/memberships/orgs/{org}` | `presets doctor`: the organization, and the token account's membership in it  |
 * | `GET /api/v3/app`, `GET /api/v3/app/installations` | a GitHub App's integration (`GithubAppCredentialsMux`): with the App's JWT (./app.ts) |
 * | `POST /api/v3/app/installations/{id}/access_tokens` | an installation token (`ghs_...`, one hour) the API then accepts             |
 * | `POST /api/v3/orgs/{org}/repos`          | the scaffolder's publish:github: an empty repository with a `clone_url`                    |
 * | `/{o}/{r}.git/info/refs`, `.../git-receive-pack`, `.../git-upload-pack` | Git's smart HTTP (./git.ts: `git http-backend`), Basic `x-access-token:<token>` |
 *
 * GraphQL queries are parsed and validated against the subset of GitHub's
 * schema in ./schema.ts, so a field or argument the real API lacks is an
 * error here too; connections page like GitHub's (`first` required, at most
 * 100, opaque cursors, `pageInfo { hasNextPage endCursor }`).
 *
 * Every `/api/` call needs `Authorization: Bearer|token <PAT, OAuth token or
 * installation token>` (the `/app` routes the App's JWT instead) and answers
 * 401 `Bad credentials` otherwise; a fake started without a PAT refuses any
 * token that looks like one. A PAT or OAuth token's scopes come back in
 * `X-OAuth-Scopes` (the PAT's are `patScopes`). Each API request is recorded with the kind of
 * credential it carried (`requests()[i].credential`). API responses carry
 * `x-ratelimit-*` headers. Any other path answers 404, is printed, and is
 * listed by `unhandledRequests()`, so a request the fake does not know shows.
 *
 * ```ts
 * const github = await startFakeGithub({
 *   org: 'acme',
 *   pat: 'ghp_test',
 *   oauthApp: oauthAppOfBackend(backendPort, { clientId, clientSecret }),
 *   users: [{ login: 'ana', name: 'Ana Lima', email: 'ana@acme.example', password: 'pw' }],
 *   members: ['ana'],
 *   teams: [{ slug: 'platform', members: ['ana'] }],
 *   repositories: [{ name: 'payments', files: { 'catalog-info.yaml': '...' } }],
 * });
 * // the backend's env: github.presetsEnv (GITHUB_BASE_URL, GITHUB_PAT, ...)
 * github.renameUser('ana', 'ana-lima');
 * github.failApi({ kind: 'rateLimit', status: 429, resetAt: new Date(Date.now() + 3600_000) });
 * github.failApi(undefined);
 * await github.stop();
 * ```
 *
 * Not modelled: the consent page (the OAuth App counts as authorized by
 * every user), `last`/`before` paging, personal repositories, branches other
 * than the default, an App installed on only selected repositories, webhooks.
 */
import { randomBytes } from 'crypto';
import { closeServer } from '../http';
import { GitRepositories } from './git';
import { AuthorizationCodes } from '../oauth';
import {
  FakeGithubAppInput,
  FakeGithubAppState,
  IssuedInstallationToken,
} from './app';

export { githubAppKeyPair } from './app';
import {
  FakeGithubApiFailure,
  FakeGithubCredential,
  FakeGithubOAuthApp,
  FakeGithubRequest,
  ServerContext,
  listen,
} from './server';
import {
  FakeGithubRepositoryInput,
  FakeGithubTeamInput,
  FakeGithubUserInput,
  GithubState,
} from './state';

export type {
  FakeGithubAppInput,
  FakeGithubCredential,
  IssuedInstallationToken,
  FakeGithubApiFailure,
  FakeGithubOAuthApp,
  FakeGithubRepositoryInput,
  FakeGithubRequest,
  FakeGithubTeamInput,
  FakeGithubUserInput,
};

/** What the fake GitHub serves. */
export interface FakeGithubConfig {
  /** The organization's login. */
  org: string;
  /**
   * Further organizations on the instance, holding no members, teams or
   * repositories; `presetsEnv` lists them after `org` in GITHUB_ORG, so a
   * test can see the syncs ask about each organization.
   */
  otherOrgs?: string[];
  /** The personal access token (owned by a machine account `<org>-bot`) for the API; none: no PAT is accepted. */
  pat?: string;
  /** The PAT's OAuth scopes, as `X-OAuth-Scopes` reports them; defaults to `read:org` and `repo`. */
  patScopes?: string[];
  /** Whether the PAT's account `<org>-bot` is a member of the organization (then synced like one); defaults to false. */
  patOwnerIsMember?: boolean;
  /** A GitHub App installed on the organization (`org`). */
  app?: FakeGithubAppInput;
  oauthApp: FakeGithubOAuthApp;
  /** Every account on the instance, members of the organization or not. */
  users: FakeGithubUserInput[];
  /** Logins of the organization's members. */
  members: string[];
  teams?: FakeGithubTeamInput[];
  repositories?: FakeGithubRepositoryInput[];
  /** A fixed port on 127.0.0.1; defaults to a free one. */
  port?: number;
  /**
   * The host name the fake's URLs carry instead of 127.0.0.1, for a fake
   * reached through a proxy that routes that name to it (../proxy.ts).
   */
  hostname?: string;
}

/** A running fake GitHub, with the changes a test can make to it. */
export interface FakeGithub {
  /** `http://127.0.0.1:<port>` (or the configured host name): the presets' `GITHUB_BASE_URL`. */
  baseUrl: string;
  port: number;
  /**
   * The variables the `github` and `github-auth` presets read, set to reach
   * this fake with the organization and credentials it was started with
   * (`GITHUB_PAT` with a PAT, `GITHUB_APP_*` with an App).
   */
  presetsEnv: Record<string, string>;
  /** Adds an account, optionally as an organization member. */
  addUser(user: FakeGithubUserInput, options?: { member?: boolean }): void;
  /** Renames an account: same node id, memberships and tokens; the old login is free again. */
  renameUser(login: string, newLogin: string): void;
  /** Replaces the organization's teams. */
  setTeams(teams: FakeGithubTeamInput[]): void;
  /** Replaces the organization's repositories. */
  setRepositories(repositories: FakeGithubRepositoryInput[]): void;
  /** Makes every API call fail this way; `undefined` heals the fake. */
  failApi(failure: FakeGithubApiFailure | undefined): void;
  /** The GraphQL node id of an account, e.g. for the `github.com/user-id` annotation. */
  nodeIdOf(login: string): string;
  /** OAuth access tokens the web flow issued (secrets that must not leak). */
  issuedTokens(): string[];
  /** Installation access tokens issued to the App (secrets that must not leak). */
  installationTokens(): IssuedInstallationToken[];
  /** The requests received so far, oldest first. */
  requests(): FakeGithubRequest[];
  /** Requests no route serves (answered 404). */
  unhandledRequests(): FakeGithubRequest[];
  /** The bare Git repository of a repository created through the API (e.g. by publish:github). */
  gitDirOf(repo: string): string | undefined;
  /** Stops the server. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The OAuth App registered for a backend that will listen on 127.0.0.1 at
 * `port`: its callback is the `handler/frame` route of Backstage's `github`
 * auth provider, so the fake can start before the backend does.
 */
export function oauthAppOfBackend(
  port: number,
  credentials: { clientId: string; clientSecret: string },
): FakeGithubOAuthApp {
  return {
    ...credentials,
    callbackUrl: `http://127.0.0.1:${port}/api/auth/github/handler/frame`,
  };
}

/** Starts a fake GitHub Enterprise Server on 127.0.0.1. */
export async function startFakeGithub(
  config: FakeGithubConfig,
): Promise<FakeGithub> {
  const state = new GithubState(config.org, config.otherOrgs);
  for (const user of config.users) {
    state.addUser(user, { member: config.members.includes(user.login) });
  }
  const patOwner = state.addUser(
    { login: `${config.org}-bot` },
    { member: config.patOwnerIsMember ?? false },
  );
  const app = config.app && {
    state: new FakeGithubAppState(config.app, 4_000_000 + config.app.appId),
    bot: state.addUser(
      { login: `${config.app.slug ?? 'backstage'}[bot]` },
      { member: false },
    ),
  };
  state.setTeams(config.teams ?? []);
  state.setRepositories(config.repositories ?? []);

  const ctx: ServerContext = {
    state,
    oauthApp: config.oauthApp,
    pat: config.pat,
    patScopes: (config.patScopes ?? ['read:org', 'repo']).join(', '),
    patOwner,
    app,
    git: new GitRepositories(),
    baseUrl: '',
    tokens: new Map(),
    // GitHub's codes: 20 hex digits, valid for 10 minutes.
    codes: new AuthorizationCodes(10 * 60_000, () =>
      randomBytes(10).toString('hex'),
    ),
    sessions: new Map(),
    requests: [],
  };
  const server = await listen(ctx, config.port, config.hostname);
  // Keeps Jest from waiting on idle keep-alive sockets at the end.
  server.unref();
  let stopped: Promise<void> | undefined;
  return {
    baseUrl: ctx.baseUrl,
    port: Number(new URL(ctx.baseUrl).port),
    presetsEnv: {
      GITHUB_BASE_URL: ctx.baseUrl,
      ...(config.pat !== undefined && { GITHUB_PAT: config.pat }),
      ...(config.app && {
        GITHUB_APP_ID: String(config.app.appId),
        GITHUB_APP_CLIENT_ID: config.app.clientId,
        GITHUB_APP_CLIENT_SECRET: config.app.clientSecret,
        GITHUB_APP_PRIVATE_KEY: config.app.privateKey,
      }),
      GITHUB_ORG: [config.org, ...(config.otherOrgs ?? [])].join(','),
      GITHUB_AUTH_CLIENT_ID: config.oauthApp.clientId,
      GITHUB_AUTH_CLIENT_SECRET: config.oauthApp.clientSecret,
    },
    addUser: (user, options) =>
      state.addUser(user, { member: options?.member ?? false }),
    renameUser: (login, newLogin) => state.renameUser(login, newLogin),
    setTeams: teams => state.setTeams(teams),
    setRepositories: repositories => state.setRepositories(repositories),
    failApi: failure => {
      ctx.failure = failure;
    },
    nodeIdOf: login => {
      const user = state.userByLogin(login);
      if (!user) throw new Error(`no GitHub account has the login ${login}`);
      return user.nodeId;
    },
    issuedTokens: () => [...ctx.tokens.keys()],
    installationTokens: () => app?.state.issuedTokens() ?? [],
    requests: () => [...ctx.requests],
    unhandledRequests: () => ctx.requests.filter(r => r.unhandled),
    gitDirOf: repo => ctx.git.gitDir(config.org, repo),
    stop() {
      stopped ??= closeServer(server).then(() => ctx.git.remove());
      return stopped;
    },
  };
}
