import { CustomErrorBase } from '@backstage/errors';
import { errorBodyText } from '../errorBody';

/** The most items Okta returns per page of users (groups and members allow more). */
const PAGE_LIMIT = 200;

/**
 * A user as Okta's Users API returns it, as far as the sync reads it.
 *
 * @public
 */
export interface OktaUser {
  id: string;
  /** `ACTIVE`, `STAGED`, `PROVISIONED`, `SUSPENDED`, `DEPROVISIONED`, ... */
  status: string;
  profile: {
    login: string;
    email?: string;
    firstName?: string | null;
    lastName?: string | null;
    displayName?: string | null;
  };
}

/**
 * A group as Okta's Groups API returns it, as far as the sync reads it.
 *
 * @public
 */
export interface OktaGroup {
  id: string;
  /** `OKTA_GROUP`, `APP_GROUP` (imported from an app or directory) or `BUILT_IN` (Everyone). */
  type: string;
  profile: { name: string; description?: string | null };
}

/**
 * Okta answered with something other than a 2xx. Carries the status and
 * the response headers, so that a caller can tell a rate limit (429 with
 * `X-Rate-Limit-Reset`) from an outage or a refused token.
 *
 * @public
 */
export class OktaResponseError extends CustomErrorBase {
  name = 'OktaResponseError' as const;

  /** The HTTP status, e.g. 429. */
  readonly status: number;
  /** The response headers, names in lower case. */
  readonly headers: Record<string, string>;

  constructor(options: {
    url: string;
    status: number;
    headers: Record<string, string>;
    summary?: string;
  }) {
    super(
      `Okta answered HTTP ${options.status} to GET ${options.url}${
        options.summary ? `: ${options.summary}` : ''
      }`,
    );
    this.status = options.status;
    this.headers = options.headers;
  }

  /** The same status and headers in the shape the sync guard reads from HTTP clients' errors. */
  get response(): { status: number; headers: Record<string, string> } {
    return { status: this.status, headers: this.headers };
  }
}

/** The URL of the `rel="next"` link of an RFC 8288 `Link` header, as Okta pages. */
export function nextLink(header: string | null): string | undefined {
  for (const link of header?.split(/,(?=\s*<)/) ?? []) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(link);
    if (match && /;\s*rel="?next"?\s*(;|$)/i.test(match[2])) {
      return match[1];
    }
  }
  return undefined;
}

/** One page of a list and the URL of the next, if any. */
interface ListPage<T> {
  items: T[];
  next?: string;
}

/**
 * A reader of one Okta org's Users and Groups API with an API token.
 * Every list is read to its last page, following the `Link` header's
 * `next` URL; a failed page throws, so a caller never acts on part of a list.
 *
 * @public
 */
export class OktaApi {
  private readonly origin: string;

  constructor(private readonly options: { orgUrl: string; token: string }) {
    this.origin = new URL(options.orgUrl).origin;
  }

  /** `GET /api/v1/users`, with Okta's `search` expression if given. */
  listUsers(search?: string): Promise<OktaUser[]> {
    return this.listAll<OktaUser>('/api/v1/users', { search });
  }

  /** `GET /api/v1/groups`, with Okta's `search` expression if given. */
  listGroups(search?: string): Promise<OktaGroup[]> {
    return this.listAll<OktaGroup>('/api/v1/groups', { search });
  }

  /** `GET /api/v1/groups/{id}/users`: the group's members. */
  listGroupUsers(groupId: string): Promise<OktaUser[]> {
    return this.listAll<OktaUser>(
      `/api/v1/groups/${encodeURIComponent(groupId)}/users`,
      {},
    );
  }

  /**
   * One request for the first page of `/api/v1/users` or `/api/v1/groups`,
   * as the sync sends it (its search expression, its page size), and
   * whether a next page follows: whether the token may read them, without
   * reading the whole org.
   */
  async firstPage(
    list: 'users' | 'groups',
    options: { search?: string; signal?: AbortSignal } = {},
  ): Promise<{ items: Array<OktaUser | OktaGroup>; more: boolean }> {
    const path = `/api/v1/${list}`;
    const { items, next } = await this.page<OktaUser | OktaGroup>(
      this.firstUrl(path, { search: options.search }),
      path,
      options.signal,
    );
    return { items, more: next !== undefined };
  }

  private firstUrl(
    path: string,
    query: Record<string, string | undefined>,
  ): string {
    const first = new URL(path, this.origin);
    first.searchParams.set('limit', String(PAGE_LIMIT));
    for (const [key, value] of Object.entries(query)) {
      if (value) first.searchParams.set(key, value);
    }
    return first.toString();
  }

  private async listAll<T>(
    path: string,
    query: Record<string, string | undefined>,
  ): Promise<T[]> {
    const items: T[] = [];
    for (let url: string | undefined = this.firstUrl(path, query); url; ) {
      const answer: ListPage<T> = await this.page<T>(url, path);
      items.push(...answer.items);
      url = answer.next;
    }
    return items;
  }

  private async page<T>(
    url: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<ListPage<T>> {
    // The token goes to the org only: a next link elsewhere is refused.
    if (new URL(url).origin !== this.origin) {
      throw new Error(
        `Okta's next page link for ${path} leads to ${
          new URL(url).origin
        }, not to the org ${this.origin}; refusing to send the API token there`,
      );
    }
    const response = await fetch(url, {
      headers: {
        Accept: 'application/json',
        Authorization: `SSWS ${this.options.token}`,
      },
      signal,
    });
    if (!response.ok) {
      throw new OktaResponseError({
        url: `${this.origin}${path}`,
        status: response.status,
        headers: Object.fromEntries(response.headers),
        summary: await errorBodyText(response, 'errorSummary'),
      });
    }
    return {
      items: (await response.json()) as T[],
      next: nextLink(response.headers.get('link')),
    };
  }
}
