/*
 * The part of GitHub's GraphQL schema (https://docs.github.com/graphql) that
 * Backstage's GitHub modules query, resolved over the fake's state:
 * organization members, teams and their members, repositories with a file
 * looked up by `object(expression:)`, and a user's organizations. Connections
 * page like GitHub's: `first` is required and at most 100, cursors are
 * opaque, `pageInfo` carries `hasNextPage` and `endCursor`.
 */
import {
  GraphqlFieldError,
  GraphqlValue,
  Schema,
  TypeDefinition,
} from './graphql';
import {
  GithubState,
  StoredRepository,
  StoredTeam,
  StoredUser,
  blobSha,
} from './state';

/** What resolvers see: the state and the instance's web URL. */
export interface GithubGraphqlContext {
  state: GithubState;
  /** `http://127.0.0.1:<port>`, the base of html URLs. */
  baseUrl: string;
}

type Args = Record<string, GraphqlValue>;

const MAX_PAGE = 100;

function encodeCursor(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString('base64');
}

function decodeCursor(cursor: GraphqlValue): number {
  const match =
    typeof cursor === 'string' &&
    /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!match) {
    throw new GraphqlFieldError(
      `\`${cursor}\` does not appear to be a valid cursor.`,
      'INVALID_CURSOR_ARGUMENTS',
    );
  }
  return Number(match[1]);
}

/** One page of a list, as a GitHub connection (`first`/`after` paging). */
function connection<T>(items: T[], args: Args, connectionName: string) {
  const first = args.first;
  if (typeof first !== 'number') {
    throw new GraphqlFieldError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${connectionName}\` connection.`,
      'MISSING_PAGINATION_BOUNDARIES',
    );
  }
  if (first > MAX_PAGE || first < 0) {
    throw new GraphqlFieldError(
      `Requesting ${first} records on the \`${connectionName}\` connection exceeds the \`first\` limit of ${MAX_PAGE} records.`,
      'EXCESSIVE_PAGINATION',
    );
  }
  const start =
    args.after === undefined || args.after === null
      ? 0
      : decodeCursor(args.after) + 1;
  const page = items.slice(start, start + first);
  const edges = page.map((node, i) => ({
    cursor: encodeCursor(start + i),
    node,
  }));
  return {
    nodes: page,
    edges,
    totalCount: items.length,
    pageInfo: {
      hasNextPage: start + first < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** A connection type `<name>Connection` over `nodeType`, with its `<name>Edge` type. */
function connectionTypes(
  name: string,
  nodeType: string,
): Schema<GithubGraphqlContext> {
  return {
    [`${name}Connection`]: {
      fields: {
        nodes: { type: `[${nodeType}]` },
        edges: { type: `[${name}Edge]` },
        totalCount: { type: 'Int' },
        pageInfo: { type: 'PageInfo' },
      },
    },
    [`${name}Edge`]: {
      fields: { cursor: { type: 'String' }, node: { type: nodeType } },
    },
  };
}

const PAGING = ['first', 'after'];

/** A team's members: `IMMEDIATE`, `CHILD_TEAM` (through its child teams) or `ALL` (default). */
function teamMembers(
  state: GithubState,
  team: StoredTeam,
  membership: GraphqlValue,
): StoredUser[] {
  const children = (t: StoredTeam): StoredTeam[] =>
    state.orgTeams().filter(c => c.parentSlug === t.slug);
  const descendantsMembers = (t: StoredTeam): string[] =>
    children(t).flatMap(c => [...c.memberIds, ...descendantsMembers(c)]);
  const ids: Record<string, () => string[]> = {
    IMMEDIATE: () => team.memberIds,
    CHILD_TEAM: () => descendantsMembers(team),
    ALL: () => [...team.memberIds, ...descendantsMembers(team)],
  };
  const chosen = ids[String(membership ?? 'ALL')] ?? ids.ALL;
  return [...new Set(chosen())].map(id => state.userById(id)!);
}

/** The file an `object(expression: "<ref>:<path>")` names, if the ref is the default branch. */
function gitObject(repo: StoredRepository, expression: GraphqlValue) {
  const match =
    typeof expression === 'string' && /^([^:]*):(.*)$/.exec(expression);
  if (!match || !repo.defaultBranch) return null;
  const [, ref, path] = match;
  if (ref !== 'HEAD' && ref !== repo.defaultBranch) return null;
  if (path === '' || path.endsWith('/')) {
    return { kind: 'Tree', oid: blobSha(`tree ${repo.name}:${path}`) };
  }
  const text = repo.files.get(path);
  if (text === undefined) {
    const isDirectory = [...repo.files.keys()].some(p =>
      p.startsWith(`${path}/`),
    );
    return isDirectory
      ? { kind: 'Tree', oid: blobSha(`tree ${repo.name}:${path}`) }
      : null;
  }
  return { kind: 'Blob', oid: blobSha(text), text };
}

function userFields(): TypeDefinition<GithubGraphqlContext>['fields'] {
  return {
    id: { type: 'ID', resolve: (u: StoredUser) => u.nodeId },
    databaseId: { type: 'Int' },
    login: { type: 'String' },
    name: { type: 'String' },
    email: {
      type: 'String',
      // GitHub answers the empty string, not null, when there is no public email.
      resolve: (u: StoredUser) => u.email ?? '',
    },
    bio: { type: 'String' },
    createdAt: { type: 'DateTime' },
    avatarUrl: {
      type: 'URI',
      args: ['size'],
      resolve: (u: StoredUser, _args, ctx) =>
        `${ctx.baseUrl}/avatars/u/${u.databaseId}`,
    },
    url: {
      type: 'URI',
      resolve: (u: StoredUser, _args, ctx) => `${ctx.baseUrl}/${u.login}`,
    },
    // GitHub Enterprise Server only; nobody is suspended here.
    suspendedAt: { type: 'DateTime', resolve: () => null },
    organizationVerifiedDomainEmails: {
      type: '[String]',
      args: ['login'],
      // No verified domains are configured on the fake organization.
      resolve: () => [],
    },
    organizations: {
      type: 'OrganizationConnection',
      args: PAGING,
      resolve: (u: StoredUser, args, ctx) =>
        connection(
          ctx.state.isOrgMember(u) ? [ctx.state.org] : [],
          args,
          'organizations',
        ),
    },
    repositories: {
      type: 'RepositoryConnection',
      args: [...PAGING, 'orderBy', 'privacy', 'isFork', 'ownerAffiliations'],
      // Personal repositories are not modelled.
      resolve: (_u, args) => connection([], args, 'repositories'),
    },
    repository: { type: 'Repository', args: ['name'], resolve: () => null },
  };
}

/** GitHub's GraphQL types, as far as the fake serves them. */
export const githubSchema: Schema<GithubGraphqlContext> = {
  Query: {
    fields: {
      organization: {
        type: 'Organization',
        args: ['login'],
        resolve: (_s, args, ctx) => {
          if (
            String(args.login).toLowerCase() ===
            ctx.state.org.login.toLowerCase()
          ) {
            return ctx.state.org;
          }
          throw new GraphqlFieldError(
            `Could not resolve to an Organization with the login of '${args.login}'.`,
            'NOT_FOUND',
          );
        },
      },
      repositoryOwner: {
        type: 'RepositoryOwner',
        args: ['login'],
        // GitHub answers null, without an error, for an unknown owner.
        resolve: (_s, args, ctx) =>
          String(args.login).toLowerCase() === ctx.state.org.login.toLowerCase()
            ? ctx.state.org
            : ctx.state.userByLogin(String(args.login)) ?? null,
      },
      user: {
        type: 'User',
        args: ['login'],
        resolve: (_s, args, ctx) => {
          const user = ctx.state.userByLogin(String(args.login));
          if (user) return user;
          throw new GraphqlFieldError(
            `Could not resolve to a User with the login of '${args.login}'.`,
            'NOT_FOUND',
          );
        },
      },
    },
  },
  RepositoryOwner: {
    possibleTypes: ['Organization', 'User'],
    // Only stored users carry createdAt; the organization record does not.
    resolveType: source => ('createdAt' in source ? 'User' : 'Organization'),
    fields: {
      id: { type: 'ID' },
      login: { type: 'String' },
      url: { type: 'URI' },
      avatarUrl: { type: 'URI', args: ['size'] },
      repositories: {
        type: 'RepositoryConnection',
        args: [...PAGING, 'orderBy', 'privacy', 'isFork', 'ownerAffiliations'],
      },
      repository: { type: 'Repository', args: ['name'] },
    },
  },
  Organization: {
    fields: {
      id: { type: 'ID', resolve: o => o.nodeId },
      databaseId: { type: 'Int' },
      login: { type: 'String' },
      name: { type: 'String', resolve: o => o.login },
      url: {
        type: 'URI',
        resolve: (o, _a, ctx) => `${ctx.baseUrl}/${o.login}`,
      },
      avatarUrl: {
        type: 'URI',
        args: ['size'],
        resolve: (o, _a, ctx) => `${ctx.baseUrl}/avatars/u/${o.databaseId}`,
      },
      membersWithRole: {
        type: 'OrganizationMemberConnection',
        args: PAGING,
        resolve: (_o, args, ctx) =>
          connection(ctx.state.orgMembers(), args, 'membersWithRole'),
      },
      teams: {
        type: 'TeamConnection',
        args: [
          ...PAGING,
          'userLogins',
          'orderBy',
          'privacy',
          'role',
          'query',
          'rootTeamsOnly',
          'ldapMapped',
        ],
        resolve: (_o, args, ctx) => {
          const logins = Array.isArray(args.userLogins)
            ? args.userLogins.map(l => String(l).toLowerCase())
            : undefined;
          const teams = ctx.state
            .orgTeams()
            .filter(
              t =>
                (!logins ||
                  t.memberIds.some(id =>
                    logins.includes(
                      ctx.state.userById(id)!.login.toLowerCase(),
                    ),
                  )) &&
                (args.rootTeamsOnly !== true || !t.parentSlug),
            );
          return connection(teams, args, 'teams');
        },
      },
      team: {
        type: 'Team',
        args: ['slug'],
        resolve: (_o, args, ctx) =>
          ctx.state.teamBySlug(String(args.slug)) ?? null,
      },
      repositories: {
        type: 'RepositoryConnection',
        args: [...PAGING, 'orderBy', 'privacy', 'isFork', 'ownerAffiliations'],
        resolve: (_o, args, ctx) =>
          connection(ctx.state.orgRepositories(), args, 'repositories'),
      },
      repository: {
        type: 'Repository',
        args: ['name'],
        resolve: (o, args, ctx) =>
          ctx.state.repository(o.login, String(args.name)) ?? null,
      },
    },
  },
  User: { fields: userFields() },
  Team: {
    fields: {
      id: { type: 'ID', resolve: (t: StoredTeam) => t.nodeId },
      databaseId: { type: 'Int' },
      slug: { type: 'String' },
      combinedSlug: {
        type: 'String',
        resolve: (t: StoredTeam, _a, ctx) => `${ctx.state.org.login}/${t.slug}`,
      },
      name: { type: 'String' },
      description: { type: 'String' },
      avatarUrl: {
        type: 'URI',
        args: ['size'],
        resolve: (t: StoredTeam, _a, ctx) =>
          `${ctx.baseUrl}/avatars/t/${t.databaseId}`,
      },
      url: {
        type: 'URI',
        resolve: (t: StoredTeam, _a, ctx) =>
          `${ctx.baseUrl}/orgs/${ctx.state.org.login}/teams/${t.slug}`,
      },
      editTeamUrl: {
        type: 'URI',
        resolve: (t: StoredTeam, _a, ctx) =>
          `${ctx.baseUrl}/orgs/${ctx.state.org.login}/teams/${t.slug}/edit`,
      },
      parentTeam: {
        type: 'Team',
        resolve: (t: StoredTeam, _a, ctx) =>
          t.parentSlug ? ctx.state.teamBySlug(t.parentSlug) : null,
      },
      members: {
        type: 'TeamMemberConnection',
        args: [...PAGING, 'membership', 'query', 'role', 'orderBy'],
        resolve: (t: StoredTeam, args, ctx) =>
          connection(
            teamMembers(ctx.state, t, args.membership),
            args,
            'members',
          ),
      },
    },
  },
  Repository: {
    fields: {
      id: { type: 'ID', resolve: (r: StoredRepository) => r.nodeId },
      databaseId: { type: 'Int' },
      name: { type: 'String' },
      nameWithOwner: {
        type: 'String',
        resolve: (r: StoredRepository, _a, ctx) =>
          `${ctx.state.org.login}/${r.name}`,
      },
      url: {
        type: 'URI',
        resolve: (r: StoredRepository, _a, ctx) =>
          `${ctx.baseUrl}/${ctx.state.org.login}/${r.name}`,
      },
      isArchived: {
        type: 'Boolean',
        resolve: (r: StoredRepository) => r.archived,
      },
      isFork: { type: 'Boolean', resolve: (r: StoredRepository) => r.fork },
      isPrivate: {
        type: 'Boolean',
        resolve: (r: StoredRepository) => r.visibility !== 'public',
      },
      isEmpty: {
        type: 'Boolean',
        resolve: (r: StoredRepository) => !r.defaultBranch,
      },
      visibility: {
        type: 'RepositoryVisibility',
        resolve: (r: StoredRepository) => r.visibility.toUpperCase(),
      },
      repositoryTopics: {
        type: 'RepositoryTopicConnection',
        args: PAGING,
        resolve: (r: StoredRepository, args) =>
          connection(
            r.topics.map(name => ({ topic: { name } })),
            args,
            'repositoryTopics',
          ),
      },
      defaultBranchRef: {
        type: 'Ref',
        resolve: (r: StoredRepository) =>
          r.defaultBranch ? { name: r.defaultBranch } : null,
      },
      object: {
        type: 'GitObject',
        args: ['expression', 'oid'],
        resolve: (r: StoredRepository, args) => gitObject(r, args.expression),
      },
    },
  },
  Ref: {
    fields: {
      name: { type: 'String' },
      prefix: { type: 'String', resolve: () => 'refs/heads/' },
    },
  },
  RepositoryTopic: { fields: { topic: { type: 'Topic' } } },
  Topic: { fields: { name: { type: 'String' } } },
  GitObject: {
    possibleTypes: ['Blob', 'Tree'],
    resolveType: source => source.kind,
    fields: { id: { type: 'ID' }, oid: { type: 'GitObjectID' } },
  },
  Blob: {
    fields: {
      id: {
        type: 'ID',
        resolve: b => Buffer.from(`Blob:${b.oid}`).toString('base64'),
      },
      oid: { type: 'GitObjectID' },
      text: { type: 'String' },
      byteSize: { type: 'Int', resolve: b => Buffer.byteLength(b.text) },
      isBinary: { type: 'Boolean', resolve: () => false },
      isTruncated: { type: 'Boolean', resolve: () => false },
    },
  },
  Tree: {
    fields: {
      id: {
        type: 'ID',
        resolve: t => Buffer.from(`Tree:${t.oid}`).toString('base64'),
      },
      oid: { type: 'GitObjectID' },
    },
  },
  PageInfo: {
    fields: {
      hasNextPage: { type: 'Boolean' },
      hasPreviousPage: { type: 'Boolean' },
      startCursor: { type: 'String' },
      endCursor: { type: 'String' },
    },
  },
  ...connectionTypes('OrganizationMember', 'User'),
  ...connectionTypes('TeamMember', 'User'),
  ...connectionTypes('Team', 'Team'),
  ...connectionTypes('Repository', 'Repository'),
  ...connectionTypes('RepositoryTopic', 'RepositoryTopic'),
  ...connectionTypes('Organization', 'Organization'),
};
