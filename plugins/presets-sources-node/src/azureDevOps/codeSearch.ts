import { CustomErrorBase } from '@backstage/errors';
import { errorBodyText } from '../errorBody';
import { AZURE_DEVOPS_SERVICES_HOST, AzureDevOpsConfig } from './config';

/**
 * The oldest Search API version every supported Azure DevOps Server answers
 * (Server 2020 stops at 6.0); Azure DevOps Services still accepts it, and
 * upstream's Azure module uses it too.
 */
const SEARCH_API_VERSION = '6.0-preview.1';
/** The most results code search returns per request. */
const PAGE_SIZE = 1000;

/**
 * One file found by Azure DevOps code search, as far as discovery reads it.
 *
 * @public
 */
export interface CodeSearchResult {
  fileName: string;
  path: string;
  repository: { name: string };
  project: { name: string };
}

interface CodeSearchResponse {
  count: number;
  results: CodeSearchResult[];
}

/**
 * Azure DevOps answered with something other than a 2xx, or with 203 (its
 * sign-in page instead of data). Carries the status and the response headers
 * so that a caller can tell a rate limit (429 with `Retry-After` and
 * `X-RateLimit-Reset`) from an outage.
 *
 * @public
 */
export class AzureDevOpsResponseError extends CustomErrorBase {
  name = 'AzureDevOpsResponseError' as const;

  /** The HTTP status, e.g. 429. */
  readonly status: number;
  /** The response headers, names in lower case. */
  readonly headers: Record<string, string>;
  /** What was requested (never carries a credential). */
  readonly url: string;

  constructor(options: {
    url: string;
    status: number;
    statusText: string;
    headers: Record<string, string>;
    detail?: string;
  }) {
    super(
      `Azure DevOps answered HTTP ${options.status}${
        options.statusText ? ` ${options.statusText}` : ''
      } to POST ${options.url}${options.detail ? `: ${options.detail}` : ''}`,
    );
    this.status = options.status;
    this.headers = options.headers;
    this.url = options.url;
  }

  /**
   * The same status and headers in the shape `@octokit/request-error` gives
   * them (`error.response.status`, `error.response.headers`), so one
   * rate-limit check can serve every SCM.
   */
  get response(): { status: number; headers: Record<string, string> } {
    return { status: this.status, headers: this.headers };
  }
}

/**
 * The code search endpoint of a discovery source's project: Azure DevOps
 * Services serves search from a host of its own.
 *
 * @public
 */
export function azureDevOpsCodeSearchUrl(
  source: Pick<AzureDevOpsConfig, 'host' | 'organization' | 'project'>,
): string {
  const origin =
    source.host === AZURE_DEVOPS_SERVICES_HOST
      ? 'https://almsearch.dev.azure.com'
      : `https://${source.host}`;
  const org = source.organization.split('/').map(encodeURIComponent).join('/');
  return `${origin}/${org}/${encodeURIComponent(
    source.project,
  )}/_apis/search/codesearchresults?api-version=${SEARCH_API_VERSION}`;
}

/** A code search filter value; code search wants values with spaces quoted. */
function filterValue(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/**
 * The code search request body for one page of a discovery source's
 * catalog files, in the syntax of upstream's Azure module.
 *
 * @public
 */
export function azureDevOpsCodeSearchBody(
  source: Pick<AzureDevOpsConfig, 'project' | 'repository' | 'path' | 'branch'>,
  page: { skip: number; top: number },
): Record<string, unknown> {
  return {
    searchText: [
      `path:${filterValue(source.path)}`,
      `repo:${filterValue(source.repository)}`,
      `proj:${filterValue(source.project)}`,
    ].join(' '),
    // A stable order, so that pages neither overlap nor leave gaps.
    $orderBy: [{ field: 'path', sortOrder: 'ASC' }],
    $skip: page.skip,
    $top: page.top,
    ...(source.branch ? { filters: { Branch: [source.branch] } } : {}),
  };
}

async function searchPage(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string>,
  fetchFn: typeof fetch,
): Promise<CodeSearchResponse> {
  const response = await fetchFn(url, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  // 203 is Azure DevOps's way of answering a request it did not authenticate.
  if (!response.ok || response.status === 203) {
    throw new AzureDevOpsResponseError({
      url,
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(response.headers),
      detail: await errorBodyText(response, 'message'),
    });
  }
  return (await response.json()) as CodeSearchResponse;
}

/**
 * Every file Azure DevOps code search finds for a discovery source, all
 * pages read. Throws {@link AzureDevOpsResponseError} on any failed page, so
 * a caller never acts on part of the results.
 *
 * @public
 */
export async function searchCatalogFiles(options: {
  source: AzureDevOpsConfig;
  /** Credential headers for the organization, e.g. `Authorization`. */
  headers: Record<string, string>;
  fetch: typeof fetch;
}): Promise<CodeSearchResult[]> {
  const { source, headers } = options;
  const url = azureDevOpsCodeSearchUrl(source);
  const found: CodeSearchResult[] = [];
  for (;;) {
    const page = await searchPage(
      url,
      azureDevOpsCodeSearchBody(source, { skip: found.length, top: PAGE_SIZE }),
      headers,
      options.fetch,
    );
    found.push(...page.results);
    if (found.length >= page.count) {
      return found;
    }
    if (page.results.length === 0) {
      throw new Error(
        `Azure DevOps code search at ${url} reported ${page.count} results but returned only ${found.length}`,
      );
    }
  }
}
