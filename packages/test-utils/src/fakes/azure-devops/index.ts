/*
 * A stand-in for Azure DevOps (Server form: one host, `/{org}/{project}/...`)
 * on loopback HTTPS, for process-level tests of the `azure` preset. It speaks
 * what the backend calls: code search (our AzureDevOpsEntityProvider) and the
 * Git items API the catalog's Azure UrlReader reads files through
 * (@backstage/backend-defaults AzureUrlReader, URLs from @backstage/integration's
 * AzureUrl.toFileUrl), each behind Azure DevOps's PAT check.
 */
import { createHash } from 'crypto';
import https from 'https';
import { IncomingMessage, ServerResponse } from 'http';
import {
  closeServer,
  fakeApp,
  HttpError,
  listenOnLoopback,
  readBody,
  Route as FakeRoute,
} from '../http';

/** A Git repository of the fake. */
export interface FakeAzureDevOpsRepository {
  name: string;
  /** Defaults to a UUID derived from the project and the name. */
  id?: string;
  /** Defaults to `main`. */
  defaultBranch?: string;
  /** The default branch's files: absolute path (`/catalog-info.yaml`) to content. */
  files: Record<string, string>;
  /** Other branches and their files; code search indexes them too. */
  branches?: Record<string, Record<string, string>>;
}

/** A project of the fake organization. */
export interface FakeAzureDevOpsProject {
  name: string;
  /** Defaults to a UUID derived from the name. */
  id?: string;
  repositories: FakeAzureDevOpsRepository[];
}

/** What the fake serves. */
export interface FakeAzureDevOpsOptions {
  /** The organization (an Azure DevOps Server collection) in every path. */
  organization: string;
  /** The one PAT the fake accepts, as Basic auth with an empty user name. */
  personalAccessToken: string;
  projects: FakeAzureDevOpsProject[];
  /** Server certificate for 127.0.0.1, e.g. from `issueLoopbackCertificate()`. */
  tls: { certPem: string; keyPem: string };
}

/** How a request authenticated. */
export type FakeAzureDevOpsAuth = 'pat' | 'none' | 'wrong';

/** A request the fake received; credentials are never kept. */
export interface FakeAzureDevOpsRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  accept?: string;
  auth: FakeAzureDevOpsAuth;
  /** The parsed JSON body of a POST. */
  body?: unknown;
  status: number;
}

/** A running fake Azure DevOps. */
export interface FakeAzureDevOps {
  /** `127.0.0.1:<port>`: the preset's `AZURE_DEVOPS_HOST`. */
  host: string;
  /** `https://127.0.0.1:<port>` */
  baseUrl: string;
  organization: string;
  /** Replaces a project's repositories (the project is created if new). */
  setRepositories(
    project: string,
    repositories: FakeAzureDevOpsRepository[],
  ): void;
  /** Deletes a repository, as an administrator would. */
  removeRepository(project: string, name: string): void;
  /** Every API call answers 500 from now on, until {@link FakeAzureDevOps.recover}. */
  failWithServerError(): void;
  /**
   * Every API call of the authenticated user is throttled from now on, as
   * Azure DevOps does it: 429 with `Retry-After` and the `X-RateLimit-*`
   * headers. Returns when the limit resets (whole seconds, as the
   * `X-RateLimit-Reset` header says).
   */
  rateLimit(options?: { retryAfterSeconds?: number }): { resetsAt: Date };
  /** Ends a failure or rate limit. */
  recover(): void;
  /** The requests received so far, oldest first. */
  requests(): FakeAzureDevOpsRequest[];
  /** Requests no route of the fake serves (answered 404): a wrong request shows here. */
  unhandled(): FakeAzureDevOpsRequest[];
  /** Stops listening and drops open connections. Safe to call twice. */
  stop(): Promise<void>;
}

type Failure =
  | { kind: 'error' }
  | { kind: 'throttle'; retryAfterSeconds: number; resetEpochSeconds: number };

/** An answer: status, headers and body. */
interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** What a route handler gets. */
interface RouteRequest {
  method: string;
  params: Record<string, string>;
  query: (name: string) => string | undefined;
  accept: string;
  body: unknown;
}

const SEARCH_PAGE_LIMIT = 1000;

function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(
    17,
    20,
  )}-${h.slice(20, 32)}`;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Azure DevOps's JSON error body. */
function vssError(
  status: number,
  typeKey: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify({
      $id: '1',
      innerException: null,
      message,
      typeName: `Microsoft.TeamFoundation.${typeKey}, Microsoft.TeamFoundation.Server.Core`,
      typeKey,
      errorCode: 0,
      eventId: 3000,
    }),
  };
}

function json(value: unknown): Reply {
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}

/** Case-insensitive whole-value match with code search's `*` and `?` wildcards. */
function wildcard(pattern: string, suffix = ''): RegExp {
  const body = pattern
    .split('')
    .map(c => {
      if (c === '*') return '.*';
      if (c === '?') return '.';
      return c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}${suffix}$`, 'i');
}

/** Splits code search text into `filter:value` pairs and free terms, honouring quotes. */
function parseSearchText(text: string): {
  filters: Record<string, string[]>;
  terms: string[];
} {
  const filters: Record<string, string[]> = {};
  const terms: string[] = [];
  const tokens = text.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
  for (const token of tokens) {
    const m = /^(\w+):(.*)$/.exec(token);
    const unquote = (v: string) => v.replace(/^"(.*)"$/, '$1');
    if (m) {
      const key = m[1].toLowerCase();
      (filters[key] ??= []).push(unquote(m[2]));
    } else {
      terms.push(unquote(token));
    }
  }
  return { filters, terms };
}

/** One file of one branch, as code search indexes it. */
interface IndexedFile {
  project: FakeAzureDevOpsProject;
  repository: FakeAzureDevOpsRepository;
  branch: string;
  path: string;
  content: string;
}

class FakeOrganization {
  constructor(
    readonly name: string,
    readonly projects: FakeAzureDevOpsProject[],
  ) {}

  project(nameOrId: string) {
    const key = nameOrId.toLowerCase();
    return this.projects.find(
      p => p.name.toLowerCase() === key || projectId(p) === key,
    );
  }

  /** The files of each repository on `branch`, or on its default branch. */
  *files(branch?: string): Generator<IndexedFile> {
    for (const project of this.projects) {
      for (const repository of project.repositories) {
        const name = branch ?? defaultBranch(repository);
        const files = branchFiles(repository, name);
        for (const [path, content] of Object.entries(files ?? {})) {
          yield { project, repository, branch: name, path, content };
        }
      }
    }
  }
}

function projectId(p: FakeAzureDevOpsProject) {
  return p.id ?? uuidFrom(`project:${p.name}`);
}

function repositoryId(p: FakeAzureDevOpsProject, r: FakeAzureDevOpsRepository) {
  return r.id ?? uuidFrom(`repo:${p.name}/${r.name}`);
}

function defaultBranch(r: FakeAzureDevOpsRepository) {
  return r.defaultBranch ?? 'main';
}

function branchFiles(r: FakeAzureDevOpsRepository, branch: string) {
  return branch === defaultBranch(r) ? r.files : r.branches?.[branch];
}

/** A branch's head commit: a hash of its files, so it changes when they do. */
function commitId(r: FakeAzureDevOpsRepository, branch: string) {
  return sha1(JSON.stringify(branchFiles(r, branch) ?? {}));
}

/** The `path:` filter: the path itself or anything under it. */
function pathMatches(filter: string, path: string) {
  const rooted = filter.startsWith('/') ? filter : `/${filter}`;
  return wildcard(rooted.replace(/\/+$/, ''), '(/.*)?').test(path);
}

/** Code search: `POST /{org}[/{project}]/_apis/search/codesearchresults`. */
function codeSearch(org: FakeOrganization, req: RouteRequest): Reply {
  const body = req.body as
    | {
        searchText?: string;
        $skip?: number;
        $top?: number;
        $orderBy?: Array<{ field: string; sortOrder?: string }> | null;
        filters?: Record<string, string[]> | null;
        includeFacets?: boolean;
      }
    | undefined;
  if (!body || typeof body.searchText !== 'string') {
    return vssError(
      400,
      'InvalidQueryException',
      'The search request is invalid: searchText is required.',
    );
  }
  const skip = body.$skip ?? 0;
  const top = body.$top ?? 100;
  if (top < 1 || top > SEARCH_PAGE_LIMIT || skip < 0) {
    return vssError(
      400,
      'InvalidQueryException',
      `$top must be between 1 and ${SEARCH_PAGE_LIMIT}, and $skip must not be negative.`,
    );
  }
  if (req.params.project && !org.project(req.params.project)) {
    return projectNotFound(req.params.project);
  }
  const { filters: text, terms } = parseSearchText(body.searchText);
  const filters = body.filters ?? {};
  const projects = [
    ...(req.params.project ? [req.params.project] : []),
    ...(text.proj ?? []),
    ...(filters.Project ?? []),
  ];
  const repositories = [...(text.repo ?? []), ...(filters.Repository ?? [])];
  const paths = [...(text.path ?? []), ...(filters.Path ?? [])];
  const branch = filters.Branch?.[0];

  const matches = [...org.files(branch)].filter(
    f =>
      projects.every(
        p =>
          wildcard(p).test(f.project.name) ||
          p.toLowerCase() === projectId(f.project),
      ) &&
      repositories.every(r => wildcard(r).test(f.repository.name)) &&
      paths.every(p => pathMatches(p, f.path)) &&
      (text.file ?? []).every(n =>
        wildcard(n).test(f.path.split('/').pop()!),
      ) &&
      (text.ext ?? []).every(e => f.path.toLowerCase().endsWith(`.${e}`)) &&
      terms.every(
        t => t === '*' || f.content.toLowerCase().includes(t.toLowerCase()),
      ),
  );
  sortResults(matches, body.$orderBy ?? []);
  const results = matches.slice(skip, skip + top).map(f => ({
    fileName: f.path.split('/').pop(),
    path: f.path,
    matches: { content: [], fileName: [] },
    collection: { name: org.name },
    project: { name: f.project.name, id: projectId(f.project) },
    repository: {
      name: f.repository.name,
      id: repositoryId(f.project, f.repository),
      type: 'git',
    },
    versions: [
      { branchName: f.branch, changeId: commitId(f.repository, f.branch) },
    ],
    contentId: sha1(f.content),
  }));
  return json({
    count: matches.length,
    results,
    infoCode: 0,
    ...(body.includeFacets ? { facets: facetsOf(matches) } : {}),
  });
}

function sortResults(
  files: IndexedFile[],
  orderBy: Array<{ field: string; sortOrder?: string }>,
) {
  // The sortable fields of code search; others sort as relevance does.
  const sortKeys: Record<string, (f: IndexedFile) => string> = {
    filename: f => f.path.split('/').pop()!,
    path: f => f.path,
  };
  const key = (f: IndexedFile, field: string) =>
    sortKeys[field.toLowerCase()]?.(f) ?? '';
  // Relevance is all the same here; ties go by project, repository, path.
  files.sort(
    (a, b) =>
      orderBy.reduce(
        (acc, o) =>
          acc ||
          key(a, o.field).localeCompare(key(b, o.field)) *
            (o.sortOrder?.toUpperCase() === 'DESC' ? -1 : 1),
        0,
      ) ||
      a.project.name.localeCompare(b.project.name) ||
      a.repository.name.localeCompare(b.repository.name) ||
      a.path.localeCompare(b.path),
  );
}

function facetsOf(files: IndexedFile[]) {
  const count = (
    name: (f: IndexedFile) => string,
    id: (f: IndexedFile) => string,
  ) => {
    const byName = new Map<
      string,
      { name: string; id: string; resultCount: number }
    >();
    for (const f of files) {
      const entry = byName.get(name(f)) ?? {
        name: name(f),
        id: id(f),
        resultCount: 0,
      };
      entry.resultCount += 1;
      byName.set(name(f), entry);
    }
    return [...byName.values()];
  };
  return {
    Project: count(
      f => f.project.name,
      f => projectId(f.project),
    ),
    Repository: count(
      f => f.repository.name,
      f => repositoryId(f.project, f.repository),
    ),
  };
}

function projectNotFound(project: string): Reply {
  return vssError(
    404,
    'ProjectDoesNotExistWithNameException',
    `TF200016: The following project does not exist: ${project}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
  );
}

/** The ref an items request asks for: `version` / `versionDescriptor.*`, a branch by default. */
function requestedBranch(
  repository: FakeAzureDevOpsRepository,
  req: RouteRequest,
): string | undefined {
  const version =
    req.query('versionDescriptor.version') ?? req.query('version');
  const type = (
    req.query('versionDescriptor.versionType') ??
    req.query('versionType') ??
    'branch'
  ).toLowerCase();
  if (!version) {
    return defaultBranch(repository);
  }
  const branches = [
    defaultBranch(repository),
    ...Object.keys(repository.branches ?? {}),
  ];
  if (type === 'commit') {
    return branches.find(b => commitId(repository, b) === version);
  }
  return type === 'branch' ? branches.find(b => b === version) : undefined;
}

/** A file through the Git items API: `GET /{org}/{project}/_apis/git/repositories/{repo}/items?path=`. */
function gitItem(org: FakeOrganization, req: RouteRequest): Reply {
  const project = org.project(req.params.project);
  if (!project) {
    return projectNotFound(req.params.project);
  }
  const key = req.params.repository.toLowerCase();
  const repository = project.repositories.find(
    r => r.name.toLowerCase() === key || repositoryId(project, r) === key,
  );
  if (!repository) {
    return vssError(
      404,
      'GitRepositoryNotFoundException',
      `TF401019: The Git repository with name or identifier ${req.params.repository} does not exist or you do not have permissions for the operation you are attempting.`,
    );
  }
  const path = req.query('path')!;
  const branch = requestedBranch(repository, req);
  const content = branch ? branchFiles(repository, branch)?.[path] : undefined;
  if (!branch || content === undefined) {
    const version =
      req.query('versionDescriptor.version') ?? req.query('version');
    return vssError(
      404,
      'GitItemNotFoundException',
      `TF401174: The item '${path}' could not be found in the repository '${
        repository.name
      }' at the version specified by '<Branch: ${
        version ?? defaultBranch(repository)
      } >'.`,
    );
  }
  const objectId = sha1(`blob ${content}`);
  const format = req.query('$format')?.toLowerCase();
  const wantsJson =
    format === 'json' ||
    (!format && /^application\/json\b/i.test(req.accept.trim()));
  if (wantsJson) {
    return json({
      objectId,
      gitObjectType: 'blob',
      commitId: commitId(repository, branch),
      path,
      url: `/${org.name}/${projectId(
        project,
      )}/_apis/git/repositories/${repositoryId(
        project,
        repository,
      )}/items?path=${encodeURIComponent(
        path,
      )}&versionType=Branch&versionOptions=None`,
      ...(req.query('includeContent') === 'true' ? { content } : {}),
    });
  }
  const asText = format === 'text' || /^text\/plain\b/i.test(req.accept.trim());
  return {
    status: 200,
    headers: {
      'Content-Type': asText
        ? 'text/plain; charset=utf-8'
        : 'application/octet-stream',
      ETag: `"${objectId}"`,
    },
    body: content,
  };
}

/** A route of the fake; `:name` segments become params. */
interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  /** Query parameters the route needs to be the one meant. */
  requiredQuery?: string[];
  /** Query parameters of forms this fake does not serve (then the request is unhandled). */
  unservedQuery?: string[];
  handle(org: FakeOrganization, req: RouteRequest): Reply;
}

function route(
  method: string,
  path: string,
  handle: Route['handle'],
  extra: Pick<Route, 'requiredQuery' | 'unservedQuery'> = {},
): Route {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:(\w+)/g, (_, n) => {
      names.push(n);
      return '([^/]+)';
    })}$`,
    'i',
  );
  return { method, pattern, names, handle, ...extra };
}

const ROUTES: Route[] = [
  route('POST', '/:org/_apis/search/codesearchresults', codeSearch),
  route('POST', '/:org/:project/_apis/search/codesearchresults', codeSearch),
  route(
    'GET',
    '/:org/:project/_apis/git/repositories/:repository/items',
    gitItem,
    {
      requiredQuery: ['path'],
      // Folder listings and zip downloads (the UrlReader's readTree).
      unservedQuery: ['recursionLevel', 'download', 'scopePath'],
    },
  ),
];

/** The sign-in page Azure DevOps answers an anonymous API call with. */
const SIGN_IN_PAGE =
  '<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in to your account</body></html>';

function authOf(header: string | undefined, pat: string): FakeAzureDevOpsAuth {
  if (!header) {
    return 'none';
  }
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (!m) {
    return 'wrong';
  }
  // Backstage sends an empty user name; insisting on it catches a change.
  return Buffer.from(m[1], 'base64').toString('utf8') === `:${pat}`
    ? 'pat'
    : 'wrong';
}

/** 203 + sign-in page for anonymous calls (401 if the client asked for no redirect), 401 for a bad credential. */
function unauthenticated(
  auth: FakeAzureDevOpsAuth,
  req: IncomingMessage,
  baseUrl: string,
): Reply {
  const suppress = /suppress/i.test(
    String(req.headers['x-tfs-fedauthredirect'] ?? ''),
  );
  if (auth === 'none' && !suppress) {
    return {
      status: 203,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      body: SIGN_IN_PAGE,
    };
  }
  return {
    status: 401,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'WWW-Authenticate': `Bearer authorization_uri=https://login.microsoftonline.com/common, Basic realm="${baseUrl}/", TFS-Federated`,
      'X-TFS-FedAuthRealm': `${baseUrl}/`,
    },
    body: 'Access Denied: The Personal Access Token used is not valid.',
  };
}

function failureReply(failure: Failure): Reply {
  if (failure.kind === 'error') {
    return vssError(
      500,
      'VssServiceException',
      'VS402375: An unexpected error occurred, please retry the operation.',
    );
  }
  return vssError(
    429,
    'RequestBlockedException',
    "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'ATCPU' in namespace 'User'.",
    {
      'Retry-After': String(failure.retryAfterSeconds),
      'X-RateLimit-Resource': 'ATCPU',
      'X-RateLimit-Delay': '0',
      'X-RateLimit-Limit': '200',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(failure.resetEpochSeconds),
    },
  );
}

/** The api-version from the query or the Accept header, as Azure DevOps takes it. */
function apiVersion(url: URL, accept: string): string | undefined {
  return (
    url.searchParams.get('api-version') ??
    /api-version=([\w.-]+)/i.exec(accept)?.[1]
  );
}

/** Starts a fake Azure DevOps on https://127.0.0.1 and resolves once it listens. */
export async function startFakeAzureDevOps(
  options: FakeAzureDevOpsOptions,
): Promise<FakeAzureDevOps> {
  const org = new FakeOrganization(
    options.organization,
    options.projects.map(p => ({ ...p, repositories: [...p.repositories] })),
  );
  const log: Array<FakeAzureDevOpsRequest & { handled: boolean }> = [];
  let failure: Failure | undefined;
  let baseUrl = '';

  /** One request as the routes see it. */
  interface Exchange {
    req: IncomingMessage;
    res: ServerResponse;
    url: URL;
    accept: string;
    lowerQuery: Map<string, string>;
    auth: FakeAzureDevOpsAuth;
    entry: Omit<FakeAzureDevOpsRequest, 'status'>;
  }

  function send(x: Exchange, reply: Reply, handled: boolean): void {
    log.push({ ...x.entry, status: reply.status, handled });
    x.res.writeHead(reply.status, {
      'X-TFS-ProcessId': '00000000-0000-0000-0000-000000000000',
      ActivityId: uuidFrom(`${Date.now()}-${log.length}`),
      ...reply.headers,
    });
    x.res.end(reply.body);
  }

  function notServed(x: Exchange): void {
    send(
      x,
      vssError(
        404,
        'NotFound',
        `The resource ${x.url.pathname} was not found.`,
      ),
      false,
    );
  }

  /** A route of the table, with Azure DevOps's checks before its handler. */
  const served = (r: Route): FakeRoute<Exchange> => ({
    method: r.method as FakeRoute<Exchange>['method'],
    path: r.pattern,
    handle(x, values) {
      const params = Object.fromEntries(r.names.map((n, i) => [n, values[i]]));
      if (
        params.org.toLowerCase() !== org.name.toLowerCase() ||
        !(r.requiredQuery ?? []).every(q =>
          x.lowerQuery.has(q.toLowerCase()),
        ) ||
        (r.unservedQuery ?? []).some(q => x.lowerQuery.has(q.toLowerCase()))
      ) {
        notServed(x);
      } else if (x.auth !== 'pat') {
        send(x, unauthenticated(x.auth, x.req, baseUrl), true);
      } else if (failure) {
        send(x, failureReply(failure), true);
      } else if (!apiVersion(x.url, x.accept)) {
        send(
          x,
          vssError(
            400,
            'VssVersionNotSpecifiedException',
            `No api-version was supplied for the "${x.req.method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
          ),
          true,
        );
      } else {
        send(
          x,
          r.handle(org, {
            method: x.req.method!,
            params,
            query: name => x.lowerQuery.get(name.toLowerCase()),
            accept: x.accept,
            body: x.entry.body,
          }),
          true,
        );
      }
    },
  });

  const app = fakeApp<Exchange>({
    context(req, res) {
      const url = new URL(req.url, baseUrl);
      const auth = authOf(
        req.headers.authorization,
        options.personalAccessToken,
      );
      return {
        req,
        res,
        url,
        accept: String(req.headers.accept ?? '*/*'),
        lowerQuery: new Map(
          [...url.searchParams].map(([k, v]) => [k.toLowerCase(), v]),
        ),
        auth,
        entry: {
          method: req.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          accept: req.headers.accept,
          auth,
        },
      };
    },
    before: [
      async (x, next) => {
        const raw = x.req.method === 'POST' ? await readBody(x.req) : '';
        if (raw) {
          try {
            x.entry.body = JSON.parse(raw);
          } catch {
            x.entry.body = raw;
          }
        }
        next();
      },
    ],
    routes: ROUTES.map(served),
    unhandled: notServed,
    internalError: error =>
      new HttpError(500, `fake Azure DevOps failed: ${error}`, {
        'Content-Type': 'text/plain',
      }),
  });
  const server = https.createServer(
    { cert: options.tls.certPem, key: options.tls.keyPem },
    app,
  );
  const port = await listenOnLoopback(server);
  baseUrl = `https://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  const strip = ({ handled: _, ...request }: (typeof log)[number]) => request;

  return {
    host: `127.0.0.1:${port}`,
    baseUrl,
    organization: options.organization,
    setRepositories(projectName, repositories) {
      const project = org.project(projectName);
      if (project) {
        project.repositories = [...repositories];
      } else {
        org.projects.push({
          name: projectName,
          repositories: [...repositories],
        });
      }
    },
    removeRepository(projectName, name) {
      const project = org.project(projectName);
      const before = project?.repositories.length;
      if (project) {
        project.repositories = project.repositories.filter(
          r => r.name !== name,
        );
      }
      if (!project || project.repositories.length === before) {
        throw new Error(`the fake has no repository ${projectName}/${name}`);
      }
    },
    failWithServerError() {
      failure = { kind: 'error' };
    },
    rateLimit({ retryAfterSeconds = 60 } = {}) {
      const resetEpochSeconds =
        Math.ceil(Date.now() / 1000) + retryAfterSeconds;
      failure = { kind: 'throttle', retryAfterSeconds, resetEpochSeconds };
      return { resetsAt: new Date(resetEpochSeconds * 1000) };
    },
    recover() {
      failure = undefined;
    },
    requests: () => log.map(strip),
    unhandled: () => log.filter(r => !r.handled).map(strip),
    stop() {
      stopped ??= closeServer(server);
      return stopped;
    },
  };
}
