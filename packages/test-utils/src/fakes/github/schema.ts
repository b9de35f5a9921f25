/*
 * The part of GitHub's GraphQL schema (https://docs.github.com/graphql) that
 * Backstage's GitHub modules query (`@backstage/plugin-catalog-backend-module-github`,
 * dist/lib/github.cjs.js: org members, teams and their members, a user's
 * organizations, repositories with the catalog file looked up by
 * `object(expression:)`), resolved over the fake's state. Connections page
 * like GitHub's: `first` is required and at most 100, cursors are opaque,
 * `pageInfo` carries `hasNextPage` and `endCursor`.
 */
import { GraphQLError } from 'graphql';
import { fakeSchema, GraphqlFieldError, Resolvers } from '../graphql';
import {
  GithubState,
  StoredOrg,
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

type Args = Record<string, any>;

const MAX_PAGE = 100;

function encodeCursor(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString('base64');
}

function decodeCursor(cursor: unknown): number {
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

/** A team's members: `IMMEDIATE`, `CHILD_TEAM` (through its child teams) or `ALL` (default). */
function teamMembers(
  state: GithubState,
  team: StoredTeam,
  membership: string,
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
  return [...new Set(ids[membership]())].map(id => state.userById(id)!);
}

/** The file an `object(expression: "<ref>:<path>")` names, if the ref is the default branch. */
function gitObject(repo: StoredRepository, expression: unknown) {
  const match =
    typeof expression === 'string' && /^([^:]*):(.*)$/.exec(expression);
  if (!match || !repo.defaultBranch) return null;
  const [, ref, path] = match;
  if (ref !== 'HEAD' && ref !== repo.defaultBranch) return null;
  const tree = () => ({
    kind: 'Tree',
    oid: blobSha(`tree ${repo.name}:${path}`),
  });
  if (path === '' || path.endsWith('/')) return tree();
  const text = repo.files.get(path);
  if (text === undefined) {
    const isDirectory = [...repo.files.keys()].some(p =>
      p.startsWith(`${path}/`),
    );
    return isDirectory ? tree() : null;
  }
  return { kind: 'Blob', oid: blobSha(text), text };
}

const CONNECTIONS = [
  ['OrganizationMember', 'User'],
  ['TeamMember', 'User'],
  ['Team', 'Team'],
  ['Repository', 'Repository'],
  ['RepositoryTopic', 'RepositoryTopic'],
  ['Organization', 'Organization'],
]
  .map(
    ([name, node]) => `
type ${name}Connection {
  nodes: [${node}]
  edges: [${name}Edge]
  totalCount: Int!
  pageInfo: PageInfo!
}
type ${name}Edge {
  cursor: String!
  node: ${node}
}`,
  )
  .join('\n');

const SDL = `
scalar URI
scalar DateTime

type Query {
  organization(login: String!): Organization
  repositoryOwner(login: String!): RepositoryOwner
  user(login: String!): User
}

interface RepositoryOwner {
  login: String!
  repositories(first: Int, after: String): RepositoryConnection
  repository(name: String!): Repository
}

type Organization implements RepositoryOwner {
  login: String!
  membersWithRole(first: Int, after: String): OrganizationMemberConnection
  teams(first: Int, after: String, userLogins: [String!]): TeamConnection
  team(slug: String!): Team
  repositories(first: Int, after: String): RepositoryConnection
  repository(name: String!): Repository
}

type User implements RepositoryOwner {
  id: ID!
  login: String!
  name: String
  email: String!
  bio: String
  avatarUrl(size: Int): URI!
  suspendedAt: DateTime
  organizationVerifiedDomainEmails(login: String!): [String!]!
  organizations(first: Int, after: String): OrganizationConnection
  repositories(first: Int, after: String): RepositoryConnection
  repository(name: String!): Repository
}

enum TeamMembershipType { IMMEDIATE CHILD_TEAM ALL }

type Team {
  slug: String!
  combinedSlug: String!
  name: String!
  description: String
  avatarUrl(size: Int): URI
  editTeamUrl: URI!
  parentTeam: Team
  members(first: Int, after: String, membership: TeamMembershipType = ALL): TeamMemberConnection
}

enum RepositoryVisibility { PRIVATE PUBLIC INTERNAL }

type Repository {
  name: String!
  url: URI!
  isArchived: Boolean!
  isFork: Boolean!
  visibility: RepositoryVisibility!
  repositoryTopics(first: Int, after: String): RepositoryTopicConnection
  defaultBranchRef: Ref
  object(expression: String): GitObject
}

type Ref { name: String! }
type RepositoryTopic { topic: Topic! }
type Topic { name: String! }

interface GitObject { id: ID! }
type Blob implements GitObject { id: ID! text: String }
type Tree implements GitObject { id: ID! }

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}
${CONNECTIONS}
`;

const isOrg = (source: unknown, ctx: GithubGraphqlContext) =>
  source === ctx.state.org || ctx.state.otherOrgs.includes(source as StoredOrg);

/** The organization's own items; the further organizations hold none. */
const ofOrg = <T>(o: unknown, ctx: GithubGraphqlContext, items: () => T[]) =>
  o === ctx.state.org ? items() : [];

const resolvers: Resolvers<GithubGraphqlContext> = {
  Query: {
    organization: (_s, args, ctx) => {
      const org = ctx.state.orgByLogin(args.login);
      if (org) {
        return org;
      }
      throw new GraphqlFieldError(
        `Could not resolve to an Organization with the login of '${args.login}'.`,
        'NOT_FOUND',
      );
    },
    // GitHub answers null, without an error, for an unknown owner.
    repositoryOwner: (_s, args, ctx) =>
      ctx.state.orgByLogin(args.login) ??
      ctx.state.userByLogin(args.login) ??
      null,
    user: (_s, args, ctx) => {
      const user = ctx.state.userByLogin(args.login);
      if (user) return user;
      throw new GraphqlFieldError(
        `Could not resolve to a User with the login of '${args.login}'.`,
        'NOT_FOUND',
      );
    },
  },
  RepositoryOwner: {
    __resolveType: (source, _a, ctx) =>
      isOrg(source, ctx) ? 'Organization' : 'User',
  },
  Organization: {
    membersWithRole: (o, args, ctx) =>
      connection(
        ofOrg(o, ctx, () => ctx.state.orgMembers()),
        args,
        'membersWithRole',
      ),
    teams: (o, args, ctx) => {
      const logins: string[] | undefined = args.userLogins?.map((l: string) =>
        l.toLowerCase(),
      );
      const teams = ofOrg(o, ctx, () => ctx.state.orgTeams()).filter(
        t =>
          !logins ||
          t.memberIds.some(id =>
            logins.includes(ctx.state.userById(id)!.login.toLowerCase()),
          ),
      );
      return connection(teams, args, 'teams');
    },
    team: (o, args, ctx) =>
      (o === ctx.state.org && ctx.state.teamBySlug(args.slug)) || null,
    repositories: (o, args, ctx) =>
      connection(
        ofOrg(o, ctx, () => ctx.state.orgRepositories()),
        args,
        'repositories',
      ),
    repository: (o, args, ctx) =>
      ctx.state.repository(o.login, args.name) ?? null,
  },
  User: {
    id: (u: StoredUser) => u.nodeId,
    // GitHub answers the empty string, not null, when there is no public email.
    email: (u: StoredUser) => u.email ?? '',
    avatarUrl: (u: StoredUser, _a, ctx) =>
      `${ctx.baseUrl}/avatars/u/${u.databaseId}`,
    // GitHub Enterprise Server only; nobody is suspended here.
    suspendedAt: () => null,
    // No verified domains are configured on the fake organization.
    organizationVerifiedDomainEmails: () => [],
    organizations: (u: StoredUser, args, ctx) =>
      connection(
        ctx.state.isOrgMember(u) ? [ctx.state.org] : [],
        args,
        'organizations',
      ),
    // Personal repositories are not modelled.
    repositories: (_u, args) => connection([], args, 'repositories'),
    repository: () => null,
  },
  Team: {
    combinedSlug: (t: StoredTeam, _a, ctx) =>
      `${ctx.state.org.login}/${t.slug}`,
    avatarUrl: (t: StoredTeam, _a, ctx) =>
      `${ctx.baseUrl}/avatars/t/${t.databaseId}`,
    editTeamUrl: (t: StoredTeam, _a, ctx) =>
      `${ctx.baseUrl}/orgs/${ctx.state.org.login}/teams/${t.slug}/edit`,
    parentTeam: (t: StoredTeam, _a, ctx) =>
      t.parentSlug ? ctx.state.teamBySlug(t.parentSlug) : null,
    members: (t: StoredTeam, args, ctx) =>
      connection(teamMembers(ctx.state, t, args.membership), args, 'members'),
  },
  Repository: {
    url: (r: StoredRepository, _a, ctx) =>
      `${ctx.baseUrl}/${ctx.state.org.login}/${r.name}`,
    isArchived: (r: StoredRepository) => r.archived,
    isFork: (r: StoredRepository) => r.fork,
    visibility: (r: StoredRepository) => r.visibility.toUpperCase(),
    repositoryTopics: (r: StoredRepository, args) =>
      connection(
        r.topics.map(name => ({ topic: { name } })),
        args,
        'repositoryTopics',
      ),
    defaultBranchRef: (r: StoredRepository) =>
      r.defaultBranch ? { name: r.defaultBranch } : null,
    object: (r: StoredRepository, args) => gitObject(r, args.expression),
  },
  GitObject: { __resolveType: source => source.kind },
  Blob: { id: b => Buffer.from(`Blob:${b.oid}`).toString('base64') },
  Tree: { id: t => Buffer.from(`Tree:${t.oid}`).toString('base64') },
};

/** GitHub's GraphQL types, as far as the fake serves them. */
export const githubSchema = fakeSchema(SDL, resolvers);

/**
 * An error as GitHub's API writes it: a field GitHub lacks as its
 * `undefinedField` error, a resolver's error with its `type` (`NOT_FOUND`).
 */
export function githubGraphqlError(error: GraphQLError) {
  const undefinedField = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(
    error.message,
  );
  if (undefinedField) {
    const [, fieldName, typeName] = undefinedField;
    return {
      extensions: { code: 'undefinedField', typeName, fieldName },
      locations: error.locations,
      message: `Field '${fieldName}' doesn't exist on type '${typeName}'`,
    };
  }
  const original = error.originalError;
  return {
    ...(original instanceof GraphqlFieldError && original.type
      ? { type: original.type }
      : {}),
    path: error.path,
    locations: error.locations,
    message: error.message,
  };
}
