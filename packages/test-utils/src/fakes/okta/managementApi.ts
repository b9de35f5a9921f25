/*
 * Okta's management API as org sync reads it: users, groups and a group's
 * members, behind an API token (`Authorization: SSWS <token>`), in pages of
 * `limit` items after an `after` cursor, the next page announced in the
 * `Link` header, and lists narrowed by `search` (or `filter`).
 */
import { Route, sendJson } from '../http';
import {
  apiError,
  Exchange,
  OktaGroupSeed,
  OktaOrg,
  OktaUserSeed,
} from './model';
import { matchesOktaSearch } from './search';

/** The routes of the Users and Groups API. */
export function managementApiRoutes(
  org: OktaOrg,
  options: {
    apiToken: string;
    /** The most items per page, whatever `limit` asks. */
    pageSize: number;
  },
): Route<Exchange>[] {
  const { apiToken, pageSize } = options;
  const userJson = (u: OktaUserSeed) => ({
    id: u.id,
    status: u.status ?? 'ACTIVE',
    created: '2026-01-05T10:00:00.000Z',
    activated: '2026-01-05T10:00:00.000Z',
    statusChanged: '2026-01-05T10:00:00.000Z',
    lastLogin: null,
    lastUpdated: '2026-01-05T10:00:00.000Z',
    passwordChanged: '2026-01-05T10:00:00.000Z',
    type: { id: 'oty1default' },
    profile: {
      firstName: u.firstName,
      lastName: u.lastName,
      mobilePhone: null,
      secondEmail: null,
      login: u.login,
      email: u.email,
      ...u.profile,
    },
    credentials: {
      password: {},
      provider: { type: 'OKTA', name: 'OKTA' },
    },
    _links: { self: { href: `${org.origin()}/api/v1/users/${u.id}` } },
  });
  const groupJson = (g: OktaGroupSeed) => ({
    id: g.id,
    created: '2026-01-05T10:00:00.000Z',
    lastUpdated: '2026-01-05T10:00:00.000Z',
    lastMembershipUpdated: '2026-01-05T10:00:00.000Z',
    objectClass: ['okta:user_group'],
    type: g.type ?? 'OKTA_GROUP',
    profile: { name: g.name, description: g.description ?? null },
    _links: { self: { href: `${org.origin()}/api/v1/groups/${g.id}` } },
  });

  /** One page of `items` after the `after` cursor, with Okta's Link header. */
  function sendPage(x: Exchange, items: Array<{ id: string }>) {
    const limit = Number(x.url.searchParams.get('limit') ?? 200);
    const after = x.url.searchParams.get('after');
    const start = after ? items.findIndex(i => i.id === after) + 1 : 0;
    if (after && start === 0) {
      throw apiError(400, 'E0000031', 'Invalid search criteria.');
    }
    const page = items.slice(start, start + Math.min(limit, pageSize));
    const self = new URL(x.url);
    const links = [`<${self}>; rel="self"`];
    if (start + page.length < items.length) {
      const next = new URL(x.url);
      next.searchParams.set('after', page[page.length - 1].id);
      links.push(`<${next}>; rel="next"`);
    }
    sendJson(x.res, 200, page, { link: links.join(', ') });
  }

  /** The search (or filter) of the request, applied; 400 as Okta answers an expression it cannot parse. */
  function searched<T extends object>(x: Exchange, items: T[]): T[] {
    const expression =
      x.url.searchParams.get('search') ?? x.url.searchParams.get('filter');
    if (!expression) return items;
    try {
      return items.filter(item => matchesOktaSearch(expression, item));
    } catch {
      throw apiError(400, 'E0000031', 'Invalid search criteria.');
    }
  }

  function requireApiToken(x: Exchange) {
    const header = x.req.headers.authorization ?? '';
    if (header !== `SSWS ${apiToken}`) {
      org.unexpected.push(
        `${x.req.method} ${x.url.pathname}: refused (no valid SSWS API token)`,
      );
      throw apiError(401, 'E0000011', 'Invalid token provided');
    }
  }

  return [
    {
      method: 'GET',
      path: /^\/api\/v1\/users$/,
      handle(x) {
        requireApiToken(x);
        // Without an expression Okta leaves deprovisioned users out; a search lists every status.
        const listed = x.url.searchParams.has('search')
          ? org.users()
          : org.users().filter(u => u.status !== 'DEPROVISIONED');
        sendPage(x, searched(x, listed.map(userJson)));
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v1\/groups$/,
      handle(x) {
        requireApiToken(x);
        sendPage(x, searched(x, org.groups().map(groupJson)));
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v1\/groups\/([^/]+)\/users$/,
      handle(x, [groupId]) {
        requireApiToken(x);
        const group = org.groups().find(g => g.id === groupId);
        if (!group) {
          throw apiError(
            404,
            'E0000007',
            `Not found: Resource not found: ${groupId} (UserGroup)`,
          );
        }
        sendPage(
          x,
          org
            .users()
            .filter(u => group.members.includes(u.id))
            .map(userJson),
        );
      },
    },
  ];
}
