/*
 * GitLab's GraphQL endpoint (`POST /api/graphql`), for the two queries the
 * GitLab catalog module sends: `listDescendantGroups` and `getGroupMembers`,
 * with GitLab's keyset pagination (`first`, `after`, `pageInfo`).
 *
 * There is no GraphQL engine here: a query is recognised by its operation
 * name, and every word it uses must be one of the fields and types those
 * queries use, so a query that asks for anything else gets an error (as
 * GitLab's schema validation would answer) instead of a silent partial
 * answer.
 */
import { HttpError, RequestContext, Route, sendJson } from './http';
import {
  Actor,
  FakeGitLabGroup,
  FakeGitLabUser,
  GROUP_MEMBER_RELATIONS,
  GitLabState,
  GroupMemberRelation,
  displayName,
  parentPath,
} from './model';
import { TokenStore, requireScope } from './tokens';

/** GitLab's `max_page_size` for connections. */
const MAX_PAGE_SIZE = 100;

const COMMON_WORDS = [
  'query',
  'group',
  'ID',
  'String',
  'endCursor',
  'fullPath',
  'first',
  'after',
  'nodes',
  'pageInfo',
  'hasNextPage',
  'id',
  'name',
];

interface Operation {
  /** The connection field whose `first` argument sets the page size. */
  connection: string;
  words: string[];
  resolve(
    group: FakeGitLabGroup,
    variables: Record<string, unknown>,
    baseUrl: string,
  ): { nodes: Array<{ cursorId: number; node: unknown }> };
}

function groupGid(id: number): string {
  return `gid://gitlab/Group/${id}`;
}

function userNode(baseUrl: string, user: FakeGitLabUser) {
  return {
    id: `gid://gitlab/User/${user.id}`,
    username: user.username,
    publicEmail: user.publicEmail ?? null,
    name: user.name,
    state: user.state ?? 'active',
    webUrl: `${baseUrl}/${user.username}`,
    avatarUrl: `${baseUrl}/uploads/-/system/user/avatar/${user.id}/avatar.png`,
  };
}

function relationsOf(
  variables: Record<string, unknown>,
): GroupMemberRelation[] {
  const value = variables.relations;
  // GitLab's default when the argument is absent: direct and inherited.
  if (value === undefined || value === null) return ['DIRECT', 'INHERITED'];
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (!GROUP_MEMBER_RELATIONS.includes(item)) {
      throw graphQlError(
        `Variable $relations of type [GroupMemberRelation!] was provided invalid value for ${list.indexOf(
          item,
        )} (Expected "${item}" to be one of: ${GROUP_MEMBER_RELATIONS.join(
          ', ',
        )})`,
      );
    }
  }
  return list as GroupMemberRelation[];
}

function operations(state: GitLabState): Record<string, Operation> {
  return {
    listDescendantGroups: {
      connection: 'descendantGroups',
      words: [
        'listDescendantGroups',
        'descendantGroups',
        'description',
        'visibility',
        'parent',
      ],
      resolve: (group, _variables, _baseUrl) => ({
        nodes: state.descendants(group).map(g => ({
          cursorId: g.id,
          node: {
            id: groupGid(g.id),
            name: displayName(g),
            description: g.description ?? '',
            fullPath: g.fullPath,
            visibility: g.visibility ?? 'private',
            parent: {
              id: groupGid(state.groupByPath(parentPath(g.fullPath)!)!.id),
            },
          },
        })),
      }),
    },
    getGroupMembers: {
      connection: 'groupMembers',
      words: [
        'getGroupMembers',
        'relations',
        'GroupMemberRelation',
        'groupMembers',
        'user',
        'username',
        'publicEmail',
        'state',
        'webUrl',
        'avatarUrl',
      ],
      resolve: (group, variables, baseUrl) => ({
        nodes: state
          .membersByRelation(group, relationsOf(variables))
          .map(u => ({ cursorId: u.id, node: { user: userNode(baseUrl, u) } })),
      }),
    },
  };
}

function graphQlError(message: string): HttpError {
  return new HttpError(200, { errors: [{ message }] });
}

/** The words of a query outside comments and strings. */
function wordsOf(query: string): string[] {
  return (
    query
      .replace(/#[^\n]*/g, '')
      .replace(/"(?:[^"\\]|\\.)*"/g, '')
      .match(/[_A-Za-z][_0-9A-Za-z]*/g) ?? []
  );
}

/** The `first:` argument of the connection field, capped as GitLab caps it. */
function pageSize(query: string, connection: string): number {
  const args = new RegExp(`${connection}\\s*\\(([^)]*)\\)`).exec(query)?.[1];
  const first = args ? /first\s*:\s*(\d+)/.exec(args)?.[1] : undefined;
  return Math.min(first ? Number(first) : MAX_PAGE_SIZE, MAX_PAGE_SIZE);
}

function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ id: String(id) })).toString('base64');
}

function decodeCursor(cursor: string): number {
  try {
    return Number(JSON.parse(Buffer.from(cursor, 'base64').toString()).id);
  } catch {
    throw graphQlError('Please provide a valid cursor');
  }
}

/** One page of a connection after the cursor. */
function connectionPage(
  nodes: Array<{ cursorId: number; node: unknown }>,
  first: number,
  after: unknown,
) {
  const start =
    typeof after === 'string'
      ? nodes.findIndex(n => n.cursorId === decodeCursor(after)) + 1
      : 0;
  const page = nodes.slice(start, start + first);
  const last = page[page.length - 1];
  return {
    nodes: page.map(n => n.node),
    pageInfo: {
      endCursor: last ? encodeCursor(last.cursorId) : null,
      hasNextPage: start + first < nodes.length,
    },
  };
}

function parseRequest(body: string): {
  query: string;
  variables: Record<string, unknown>;
} {
  try {
    const parsed = JSON.parse(body);
    if (typeof parsed?.query !== 'string') throw new Error('no query');
    return { query: parsed.query, variables: parsed.variables ?? {} };
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
export function graphQlRoutes({ state, tokens }: GraphQlDeps): Route[] {
  const known = operations(state);
  return [
    {
      method: 'POST',
      path: /^\/api\/graphql$/,
      async handle(ctx) {
        const actor = graphQlCaller(tokens, ctx);
        const { query, variables } = parseRequest(await ctx.body());
        const name = /^\s*query\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query)?.[1];
        const operation = name ? known[name] : undefined;
        if (!operation) {
          throw graphQlError(
            `fake GitLab does not implement the operation ${
              name ?? '(anonymous)'
            }`,
          );
        }
        const allowed = new Set([...COMMON_WORDS, ...operation.words]);
        const unknown = wordsOf(query).find(w => !allowed.has(w));
        if (unknown) {
          throw graphQlError(
            `Field '${unknown}' doesn't exist on type 'Group'`,
          );
        }
        const group = state.groupByPath(String(variables.group));
        if (!group || !state.canSeeGroup(actor, group)) {
          sendJson(ctx.res, 200, { data: { group: null } });
          return;
        }
        const { nodes } = operation.resolve(group, variables, ctx.baseUrl);
        sendJson(ctx.res, 200, {
          data: {
            group: {
              [operation.connection]: connectionPage(
                nodes,
                pageSize(query, operation.connection),
                variables.endCursor,
              ),
            },
          },
        });
      },
    },
  ];
}
