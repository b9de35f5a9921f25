/*
 * GitLab's GraphQL endpoint (`POST /api/graphql`), for the two queries the
 * GitLab catalog module sends (`@backstage/plugin-catalog-backend-module-gitlab`,
 * dist/lib/client.cjs.js): `listDescendantGroups` and `getGroupMembers`,
 * with GitLab's keyset pagination (`first`, `after`, `pageInfo`). The schema
 * holds exactly the fields those queries use, so a query that asks for
 * anything else gets GitLab's validation error instead of a silent partial
 * answer.
 */
import { GraphQLError } from 'graphql';
import {
  fakeSchema,
  GraphqlFieldError,
  GraphqlRequest,
  runGraphql,
} from '../graphql';
import { HttpError, sendJson } from '../http';
import { GitLabRoute, RequestContext } from './http';
import {
  Actor,
  FakeGitLabGroup,
  FakeGitLabUser,
  GROUP_MEMBER_RELATIONS,
  GitLabState,
  displayName,
  parentPath,
} from './model';
import { TokenStore, requireScope } from './tokens';

/** GitLab's `max_page_size` for connections. */
const MAX_PAGE_SIZE = 100;

/** What resolvers see. */
interface GitLabGraphqlContext {
  state: GitLabState;
  actor?: Actor;
  baseUrl: string;
}

const SDL = `
type Query {
  group(fullPath: ID!): Group
}

enum GroupMemberRelation { ${GROUP_MEMBER_RELATIONS.join(' ')} }

type Group {
  id: ID!
  name: String!
  description: String
  fullPath: ID!
  visibility: String
  parent: Group
  descendantGroups(first: Int, after: String): GroupConnection
  groupMembers(
    first: Int
    after: String
    relations: [GroupMemberRelation!] = [DIRECT, INHERITED]
  ): GroupMemberConnection
}

type GroupConnection { nodes: [Group] pageInfo: PageInfo! }
type GroupMember { user: UserCore }
type GroupMemberConnection { nodes: [GroupMember] pageInfo: PageInfo! }

type UserCore {
  id: ID!
  username: String!
  publicEmail: String
  name: String!
  state: String!
  webUrl: String!
  avatarUrl: String
}

type PageInfo { endCursor: String hasNextPage: Boolean! }
`;

function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ id: String(id) })).toString('base64');
}

function decodeCursor(cursor: string): number {
  try {
    return Number(JSON.parse(Buffer.from(cursor, 'base64').toString()).id);
  } catch {
    throw new GraphqlFieldError('Please provide a valid cursor');
  }
}

/** One page of a connection after the cursor; items are keyed by their numeric id. */
function connectionPage<T>(
  items: T[],
  idOf: (item: T) => number,
  args: Record<string, any>,
) {
  const first = Math.min(args.first ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const start =
    typeof args.after === 'string'
      ? items.findIndex(item => idOf(item) === decodeCursor(args.after)) + 1
      : 0;
  const page = items.slice(start, start + first);
  const last = page[page.length - 1];
  return {
    nodes: page,
    pageInfo: {
      endCursor: last ? encodeCursor(idOf(last)) : null,
      hasNextPage: start + first < items.length,
    },
  };
}

const gitlabSchema = fakeSchema<GitLabGraphqlContext>(SDL, {
  Query: {
    group: (_s, args, ctx) => {
      const group = ctx.state.groupByPath(args.fullPath);
      return group && ctx.state.canSeeGroup(ctx.actor, group) ? group : null;
    },
  },
  Group: {
    id: (g: FakeGitLabGroup) => `gid://gitlab/Group/${g.id}`,
    name: (g: FakeGitLabGroup) => displayName(g),
    description: (g: FakeGitLabGroup) => g.description ?? '',
    visibility: (g: FakeGitLabGroup) => g.visibility ?? 'private',
    parent: (g: FakeGitLabGroup, _a, ctx) => {
      const path = parentPath(g.fullPath);
      return path ? ctx.state.groupByPath(path) ?? null : null;
    },
    descendantGroups: (g: FakeGitLabGroup, args, ctx) =>
      connectionPage(ctx.state.descendants(g), d => d.id, args),
    groupMembers: (g: FakeGitLabGroup, args, ctx) =>
      connectionPage(
        ctx.state
          .membersByRelation(
            g,
            // An explicit null means GitLab's default as well.
            args.relations ?? ['DIRECT', 'INHERITED'],
          )
          .map(user => ({ user })),
        m => m.user.id,
        args,
      ),
  },
  UserCore: {
    id: (u: FakeGitLabUser) => `gid://gitlab/User/${u.id}`,
    publicEmail: (u: FakeGitLabUser) => u.publicEmail ?? null,
    state: (u: FakeGitLabUser) => u.state ?? 'active',
    webUrl: (u: FakeGitLabUser, _a, ctx) => `${ctx.baseUrl}/${u.username}`,
    avatarUrl: (u: FakeGitLabUser, _a, ctx) =>
      `${ctx.baseUrl}/uploads/-/system/user/avatar/${u.id}/avatar.png`,
  },
});

/** An error as GitLab's API writes it. */
function gitlabGraphqlError(error: GraphQLError) {
  return {
    message: error.message,
    locations: error.locations,
    path: error.path,
  };
}

function parseRequest(body: string): GraphqlRequest {
  try {
    const parsed = JSON.parse(body);
    if (typeof parsed?.query !== 'string') throw new Error('no query');
    return parsed;
  } catch {
    throw new HttpError(400, {
      errors: [{ message: 'Unexpected end of document' }],
    });
  }
}

/**
 * The caller of a GraphQL request. GraphQL answers an unknown token with
 * its own error shape; anonymous callers see public groups only.
 */
function graphQlCaller(tokens: TokenStore, ctx: RequestContext) {
  let actor: Actor | undefined;
  try {
    actor = tokens.actorOf(ctx.req);
  } catch {
    throw new HttpError(401, { errors: [{ message: 'Invalid token' }] });
  }
  if (actor) requireScope(actor, ['read_api', 'api']);
  return actor;
}

/** Dependencies of the GraphQL route. */
export interface GraphQlDeps {
  state: GitLabState;
  tokens: TokenStore;
}

/** The GraphQL route. */
export function graphQlRoutes({ state, tokens }: GraphQlDeps): GitLabRoute[] {
  return [
    {
      method: 'POST',
      path: /^\/api\/graphql$/,
      async handle(ctx) {
        const actor = graphQlCaller(tokens, ctx);
        const request = parseRequest(await ctx.body());
        sendJson(
          ctx.res,
          200,
          runGraphql(
            gitlabSchema,
            request,
            { state, actor, baseUrl: ctx.baseUrl },
            gitlabGraphqlError,
          ),
        );
      },
    },
  ];
}
