/*
 * GitLab's REST API v4, for exactly what Backstage calls on it: the OAuth
 * profile (`GET /user`), org sync (groups, members, users) and discovery
 * (group projects, the repository files API and its `raw` variant, which
 * the catalog's GitLab UrlReader reads).
 */
import { IncomingMessage } from 'http';
import {
  GitLabRoute,
  RequestContext,
  booleanParam,
  notFound,
  paginate,
  unauthorized,
} from './http';
import { HttpError, sendJson } from '../http';
import {
  Actor,
  CREATED_AT,
  FakeGitLabGroup,
  FakeGitLabProject,
  FakeGitLabUser,
  GitLabState,
  defaultBranchOf,
  displayName,
  parentPath,
  sha1,
  sha256,
} from './model';
import { TokenStore, requireScope } from './tokens';

/** Scopes that read the user API; every other endpoint needs an API scope. */
const USER_SCOPES = ['read_user', 'read_api', 'api'];
const API_SCOPES = ['read_api', 'api'];

/** GitLab's access level of a plain member (Developer). */
const DEVELOPER = 30;

function avatarUrl(baseUrl: string, user: FakeGitLabUser): string {
  return `${baseUrl}/uploads/-/system/user/avatar/${user.id}/avatar.png`;
}

/** The basic user entity every authenticated caller gets. */
function userBasic(baseUrl: string, user: FakeGitLabUser) {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: user.state ?? 'active',
    locked: false,
    avatar_url: avatarUrl(baseUrl, user),
    web_url: `${baseUrl}/${user.username}`,
  };
}

/** `GET /user`: the caller's own account, with the private email. */
function userSelf(baseUrl: string, user: FakeGitLabUser) {
  return {
    ...userBasic(baseUrl, user),
    created_at: CREATED_AT,
    bio: '',
    location: '',
    public_email: user.publicEmail ?? null,
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    organization: '',
    job_title: '',
    pronouns: null,
    bot: false,
    work_information: null,
    local_time: null,
    last_sign_in_at: CREATED_AT,
    confirmed_at: CREATED_AT,
    last_activity_on: CREATED_AT.slice(0, 10),
    email: user.email,
    theme_id: 3,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: CREATED_AT,
    identities: [],
    can_create_group: true,
    can_create_project: true,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: user.email,
    is_admin: user.isAdmin === true,
  };
}

/** A member entry of the members API. */
function member(baseUrl: string, user: FakeGitLabUser) {
  return {
    ...userBasic(baseUrl, user),
    access_level: DEVELOPER,
    created_at: CREATED_AT,
    created_by: null,
    expires_at: null,
    group_saml_identity: null,
    membership_state: 'active',
  };
}

function groupJson(baseUrl: string, state: GitLabState, g: FakeGitLabGroup) {
  const parent = parentPath(g.fullPath);
  const fullName = [...state.ancestors(g).reverse(), g]
    .map(x => displayName(x))
    .join(' / ');
  return {
    id: g.id,
    web_url: `${baseUrl}/groups/${g.fullPath}`,
    name: displayName(g),
    path: g.fullPath.slice(g.fullPath.lastIndexOf('/') + 1),
    description: g.description ?? '',
    visibility: g.visibility ?? 'private',
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    two_factor_grace_period: 48,
    project_creation_level: 'developer',
    auto_devops_enabled: null,
    subgroup_creation_level: 'maintainer',
    emails_disabled: false,
    emails_enabled: true,
    mentions_disabled: null,
    lfs_enabled: true,
    default_branch: null,
    request_access_enabled: true,
    full_name: fullName,
    full_path: g.fullPath,
    created_at: CREATED_AT,
    parent_id: parent ? state.groupByPath(parent)!.id : null,
    organization_id: 1,
    avatar_url: null,
    archived: false,
  };
}

/** A project as the projects API lists it; `simple=true` leaves out most fields (among them `archived` and `forked_from_project`). */
function projectJson(
  baseUrl: string,
  state: GitLabState,
  p: FakeGitLabProject,
  simple: boolean,
) {
  const namespace = state.namespaceOf(p);
  const host = new URL(baseUrl).host;
  const branch = defaultBranchOf(p);
  const base = {
    id: p.id,
    description: p.description ?? null,
    name: displayName(p),
    name_with_namespace: [...state.ancestors(namespace).reverse(), namespace]
      .map(g => displayName(g))
      .concat(displayName(p))
      .join(' / '),
    path: p.pathWithNamespace.slice(p.pathWithNamespace.lastIndexOf('/') + 1),
    path_with_namespace: p.pathWithNamespace,
    created_at: CREATED_AT,
    default_branch: branch,
    tag_list: p.topics ?? [],
    topics: p.topics ?? [],
    ssh_url_to_repo: `git@${host}:${p.pathWithNamespace}.git`,
    http_url_to_repo: `${baseUrl}/${p.pathWithNamespace}.git`,
    web_url: `${baseUrl}/${p.pathWithNamespace}`,
    readme_url: p.files?.['README.md']
      ? `${baseUrl}/${p.pathWithNamespace}/-/blob/${branch}/README.md`
      : null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: CREATED_AT,
    namespace: {
      id: namespace.id,
      name: displayName(namespace),
      path: namespace.fullPath.slice(namespace.fullPath.lastIndexOf('/') + 1),
      kind: 'group',
      full_path: namespace.fullPath,
      parent_id: groupJson(baseUrl, state, namespace).parent_id,
      avatar_url: null,
      web_url: `${baseUrl}/groups/${namespace.fullPath}`,
    },
  };
  if (simple) {
    return base;
  }
  return {
    ...base,
    visibility: p.visibility ?? 'private',
    archived: p.archived === true,
    empty_repo: branch === null,
    issues_enabled: true,
    merge_requests_enabled: true,
    open_issues_count: 0,
  };
}

/** Dependencies of the REST routes. */
export interface RestDeps {
  state: GitLabState;
  tokens: TokenStore;
}

/** The caller, who must hold a token with one of the scopes. */
function authenticated(
  tokens: TokenStore,
  req: IncomingMessage,
  scopes: string[],
): Actor {
  const actor = tokens.actorOf(req);
  if (!actor) {
    throw unauthorized();
  }
  requireScope(actor, scopes);
  return actor;
}

/** The caller of an API-scope endpoint, or undefined for an anonymous one (who sees public items only). */
function apiCaller(tokens: TokenStore, req: IncomingMessage) {
  const actor = tokens.actorOf(req);
  if (actor) {
    requireScope(actor, API_SCOPES);
  }
  return actor;
}

function visibleGroup(
  { state, tokens }: RestDeps,
  ctx: RequestContext,
  idOrPath: string,
) {
  const actor = apiCaller(tokens, ctx.req);
  const group = state.group(idOrPath);
  if (!group || !state.canSeeGroup(actor, group)) {
    throw notFound('Group');
  }
  return { actor, group };
}

function visibleProject(
  { state, tokens }: RestDeps,
  ctx: RequestContext,
  idOrPath: string,
) {
  const actor = apiCaller(tokens, ctx.req);
  const project = state.project(idOrPath);
  if (!project || !state.canSeeProject(actor, project)) {
    throw notFound('Project');
  }
  return project;
}

function sendPage<T>(ctx: RequestContext, items: T[]) {
  const { page, headers } = paginate(items, ctx.url);
  sendJson(ctx.res, 200, page, headers);
}

/** A file of the project at a ref; only the default branch (by name or commit) holds files. */
function fileAt(
  state: GitLabState,
  project: FakeGitLabProject,
  ref: string,
  filePath: string,
) {
  const branch = defaultBranchOf(project);
  const commitId = state.commitId(project);
  if (branch === null || (ref !== branch && ref !== commitId)) {
    throw notFound('Commit');
  }
  const content = project.files?.[filePath];
  if (content === undefined) {
    throw notFound('File');
  }
  const blobId = sha1(`blob ${Buffer.byteLength(content)}\0${content}`);
  const contentSha256 = sha256(content);
  return {
    content,
    headers: {
      'x-gitlab-blob-id': blobId,
      'x-gitlab-commit-id': commitId,
      'x-gitlab-content-sha256': contentSha256,
      'x-gitlab-encoding': 'base64',
      'x-gitlab-file-name': filePath.slice(filePath.lastIndexOf('/') + 1),
      'x-gitlab-file-path': filePath,
      'x-gitlab-last-commit-id': commitId,
      'x-gitlab-ref': ref,
      'x-gitlab-size': String(Buffer.byteLength(content)),
      'x-gitlab-execute-filemode': 'false',
    },
    blobId,
    commitId,
    sha256: contentSha256,
  };
}

/** The REST routes, under `/api/v4`. */
export function restRoutes(deps: RestDeps): GitLabRoute[] {
  const { state, tokens } = deps;
  return [
    {
      method: 'GET',
      path: /^\/api\/v4\/user$/,
      handle(ctx) {
        const actor = authenticated(tokens, ctx.req, USER_SCOPES);
        sendJson(ctx.res, 200, userSelf(ctx.baseUrl, actor.user));
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/personal_access_tokens\/self$/,
      handle(ctx) {
        const actor = tokens.actorOf(ctx.req);
        const personal = tokens.personalTokenOf(ctx.req);
        if (!actor || !personal) throw unauthorized();
        sendJson(ctx.res, 200, {
          id: personal.index + 1,
          name: personal.token.name ?? 'backstage',
          revoked: false,
          created_at: CREATED_AT,
          description: '',
          scopes: actor.scopes,
          user_id: actor.user.id,
          last_used_at: new Date().toISOString(),
          active: true,
          expires_at: personal.token.expiresAt ?? null,
        });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/users$/,
      handle(ctx) {
        authenticated(tokens, ctx.req, USER_SCOPES);
        const active = booleanParam(ctx.url, 'active');
        const username = ctx.url.searchParams.get('username');
        // The fake has no bots or internal users, so
        // without_project_bots and exclude_internal remove nobody.
        const users = state
          .allUsers()
          .filter(u => !active || (u.state ?? 'active') === 'active')
          .filter(
            u =>
              !username || u.username.toLowerCase() === username.toLowerCase(),
          );
        sendPage(
          ctx,
          users.map(u => userBasic(ctx.baseUrl, u)),
        );
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/users\/(\d+)$/,
      handle(ctx, [id]) {
        authenticated(tokens, ctx.req, USER_SCOPES);
        const user = state.userById(Number(id));
        if (!user) throw notFound('User');
        sendJson(ctx.res, 200, {
          ...userBasic(ctx.baseUrl, user),
          created_at: CREATED_AT,
          public_email: user.publicEmail ?? null,
          bot: false,
        });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/groups$/,
      handle(ctx) {
        const actor = apiCaller(tokens, ctx.req);
        const allAvailable = booleanParam(ctx.url, 'all_available');
        // Without all_available, a non-admin sees the groups they belong to.
        const groups = state
          .allGroups()
          .filter(g => state.canSeeGroup(actor, g))
          .filter(
            g =>
              allAvailable ||
              actor?.user.isAdmin ||
              (g.members ?? []).includes(actor?.user.username ?? ''),
          )
          .sort((a, b) => a.fullPath.localeCompare(b.fullPath));
        sendPage(
          ctx,
          groups.map(g => groupJson(ctx.baseUrl, state, g)),
        );
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/groups\/([^/]+)$/,
      handle(ctx, [id]) {
        const { group } = visibleGroup(deps, ctx, id);
        sendJson(ctx.res, 200, {
          ...groupJson(ctx.baseUrl, state, group),
          shared_with_groups: [],
          prevent_sharing_groups_outside_hierarchy: false,
        });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/groups\/([^/]+)\/members\/all$/,
      handle(ctx, [id]) {
        const { group } = visibleGroup(deps, ctx, id);
        sendPage(
          ctx,
          state.allMembers(group).map(u => member(ctx.baseUrl, u)),
        );
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/groups\/([^/]+)\/members\/all\/(\d+)$/,
      handle(ctx, [id, userId]) {
        const { group } = visibleGroup(deps, ctx, id);
        const user = state.allMembers(group).find(u => u.id === Number(userId));
        if (!user) throw notFound('');
        sendJson(ctx.res, 200, member(ctx.baseUrl, user));
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/groups\/([^/]+)\/projects$/,
      handle(ctx, [id]) {
        const { actor, group } = visibleGroup(deps, ctx, id);
        const archived = booleanParam(ctx.url, 'archived');
        const simple = booleanParam(ctx.url, 'simple') === true;
        const topic = ctx.url.searchParams.get('topic');
        const projects = state
          .projectsOf(
            group,
            booleanParam(ctx.url, 'include_subgroups') === true,
          )
          .filter(p => state.canSeeProject(actor, p))
          .filter(
            p => archived === undefined || (p.archived === true) === archived,
          )
          .filter(
            p =>
              !topic ||
              topic.split(',').every(t => (p.topics ?? []).includes(t)),
          )
          // GitLab's default order: created_at descending; ids grow with it.
          .sort((a, b) => b.id - a.id);
        sendPage(
          ctx,
          projects.map(p => projectJson(ctx.baseUrl, state, p, simple)),
        );
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/projects\/([^/]+)$/,
      handle(ctx, [id]) {
        const project = visibleProject(deps, ctx, id);
        sendJson(ctx.res, 200, projectJson(ctx.baseUrl, state, project, false));
      },
    },
    {
      // GET answers with the file as JSON; HEAD (the existence check of
      // discovery) with the same X-Gitlab-* headers and no body.
      method: 'GET',
      path: /^\/api\/v4\/projects\/([^/]+)\/repository\/files\/([^/]+)$/,
      handle(ctx, [id, filePath]) {
        const project = visibleProject(deps, ctx, id);
        const ref = ctx.url.searchParams.get('ref');
        if (!ref) {
          throw new HttpError(400, { error: 'ref is missing' });
        }
        const file = fileAt(state, project, ref, filePath);
        sendJson(
          ctx.res,
          200,
          {
            file_name: file.headers['x-gitlab-file-name'],
            file_path: filePath,
            size: Buffer.byteLength(file.content),
            encoding: 'base64',
            content_sha256: file.sha256,
            ref,
            blob_id: file.blobId,
            commit_id: file.commitId,
            last_commit_id: file.commitId,
            execute_filemode: false,
            content: Buffer.from(file.content).toString('base64'),
          },
          file.headers,
        );
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v4\/projects\/([^/]+)\/repository\/files\/([^/]+)\/raw$/,
      handle(ctx, [id, filePath]) {
        const project = visibleProject(deps, ctx, id);
        const ref =
          ctx.url.searchParams.get('ref') ?? defaultBranchOf(project) ?? '';
        const file = fileAt(state, project, ref, filePath);
        const etag = `"${file.blobId}"`;
        if (ctx.req.headers['if-none-match'] === etag) {
          ctx.res.writeHead(304, { etag });
          ctx.res.end();
          return;
        }
        ctx.res.writeHead(200, {
          'content-type': 'text/plain; charset=utf-8',
          etag,
          ...file.headers,
        });
        ctx.res.end(file.content);
      },
    },
  ];
}
