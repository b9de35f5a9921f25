/*
 * Talking to a running backend the way operators and the frontend do: the
 * catalog API and the scheduler API with a static service token, sign-in
 * through the auth routes. Also what the process-level tests share to look
 * at the catalog: snapshots, names, relations, and the catalog file the
 * fakes' repositories hold.
 */
import { BackendProcess } from './backendProcess';

/** A static external-access token, set through the operator's APP_CONFIG_* layer. */
export const E2E_TOKEN = 'e2e-static-token-0123456789abcdef';

/** Env that grants the test a static token, like an operator's automation. */
export function externalAccessEnv(): Record<string, string> {
  return {
    APP_CONFIG_backend_auth_externalAccess: JSON.stringify([
      { type: 'static', options: { token: E2E_TOKEN, subject: 'e2e-tests' } },
    ]),
  };
}

const authHeaders = { Authorization: `Bearer ${E2E_TOKEN}` };

/** A catalog entity, as far as the tests look at it. */
export interface CatalogEntity {
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  relations?: Array<{ type: string; targetRef: string }>;
  /** Processing errors, among others, as the catalog reports them. */
  status?: {
    items?: Array<{ type: string; level: string; message: string }>;
  };
}

/** The catalog's entities of one kind (`component`, `location`, ...), read with the static token. */
export async function catalogEntitiesOfKind(
  backend: BackendProcess,
  kind: string,
): Promise<CatalogEntity[]> {
  const res = await fetch(
    `${backend.baseUrl}/api/catalog/entities?filter=kind=${kind}`,
    { headers: authHeaders },
  );
  if (res.status !== 200) {
    throw new Error(`catalog answered ${res.status}: ${await res.text()}`);
  }
  return (await res.json()) as CatalogEntity[];
}

/** The catalog's users or groups. */
export async function catalogEntities(
  backend: BackendProcess,
  kind: 'user' | 'group',
): Promise<CatalogEntity[]> {
  return catalogEntitiesOfKind(backend, kind);
}

/** The end of the backend's output after `since`, without access logs, for failure messages. */
function outputTail(backend: BackendProcess, since = 0): string {
  return backend
    .output()
    .slice(since)
    .split('\n')
    .filter(line => !line.includes('incomingRequest'))
    .join('\n')
    .slice(-6000);
}

/** The entities' names, sorted. */
export function entityNames(entities: CatalogEntity[]): string[] {
  return entities.map(e => e.metadata.name).sort();
}

const namesOf = (entities: CatalogEntity[]) => entityNames(entities).join(', ');

/** The targets of the entity's relations of one type (`memberOf`, `hasMember`, ...), sorted. */
export function relationRefs(entity: CatalogEntity, type: string): string[] {
  return (entity.relations ?? [])
    .filter(r => r.type === type)
    .map(r => r.targetRef)
    .sort();
}

/** An entity in a form two catalog reads can be compared by. */
export interface EntitySnapshot {
  /** `kind:namespace/name`, kind in lower case. */
  ref: string;
  /** Changes when the catalog deletes the entity and adds it again. */
  uid?: string;
  annotations?: Record<string, string>;
  spec?: Record<string, unknown>;
  /** `type targetRef`, sorted. */
  relations: string[];
}

/** The entities as snapshots, sorted by ref. */
export function entitySnapshots(entities: CatalogEntity[]): EntitySnapshot[] {
  return entities
    .map(e => ({
      ref: `${e.kind.toLowerCase()}:${e.metadata.namespace ?? 'default'}/${
        e.metadata.name
      }`,
      uid: e.metadata.uid,
      annotations: e.metadata.annotations,
      spec: e.spec,
      relations: (e.relations ?? [])
        .map(r => `${r.type} ${r.targetRef}`)
        .sort(),
    }))
    .sort((a, b) => a.ref.localeCompare(b.ref));
}

/**
 * What the catalog holds of each kind, as snapshots by kind
 * (`{ user: [...], group: [...] }`): taken before and after a failed sync,
 * equal snapshots show that the sync changed nothing.
 */
export async function catalogSnapshot<K extends string>(
  backend: BackendProcess,
  kinds: K[],
): Promise<Record<K, EntitySnapshot[]>> {
  const snapshots = await Promise.all(
    kinds.map(
      async kind =>
        [
          kind,
          entitySnapshots(await catalogEntitiesOfKind(backend, kind)),
        ] as const,
    ),
  );
  return Object.fromEntries(snapshots) as Record<K, EntitySnapshot[]>;
}

/**
 * A `catalog-info.yaml` that declares one Component (a production service
 * owned by `owner`), as the fakes' repositories hold it for discovery.
 */
export function componentCatalogFile(name: string, owner: string): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  type: service',
    '  lifecycle: production',
    `  owner: ${owner}`,
    '',
  ].join('\n');
}

/** Reads until the predicate holds; the error says what was read last. */
async function pollCatalog<T>(
  backend: BackendProcess,
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  describe: (value: T) => string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await read();
    if (predicate(last)) {
      return last;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `catalog did not reach the expected state; ${describe(
          last,
        )}; backend output (end, without access logs):\n${outputTail(backend)}`,
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

/** Polls until the predicate holds over the catalog's users and groups. */
export async function waitForCatalog(
  backend: BackendProcess,
  predicate: (users: CatalogEntity[], groups: CatalogEntity[]) => boolean,
  timeoutMs = 60_000,
): Promise<{ users: CatalogEntity[]; groups: CatalogEntity[] }> {
  return pollCatalog(
    backend,
    async () => ({
      users: await catalogEntities(backend, 'user'),
      groups: await catalogEntities(backend, 'group'),
    }),
    ({ users, groups }) => predicate(users, groups),
    ({ users, groups }) =>
      `users: ${namesOf(users)}; groups: ${namesOf(groups)}`,
    timeoutMs,
  );
}

/** Polls until the predicate holds over the catalog's entities of one kind. */
export async function waitForEntitiesOfKind(
  backend: BackendProcess,
  kind: string,
  predicate: (entities: CatalogEntity[]) => boolean,
  timeoutMs = 60_000,
): Promise<CatalogEntity[]> {
  return pollCatalog(
    backend,
    () => catalogEntitiesOfKind(backend, kind),
    predicate,
    entities => `${kind}: ${namesOf(entities)}`,
    timeoutMs,
  );
}

/** Runs a scheduled task now, through the plugin's scheduler API. */
export async function triggerTask(
  backend: BackendProcess,
  pluginId: string,
  taskId: string,
): Promise<void> {
  const res = await fetch(
    `${
      backend.baseUrl
    }/api/${pluginId}/.backstage/scheduler/v1/tasks/${encodeURIComponent(
      taskId,
    )}/trigger`,
    { method: 'POST', headers: authHeaders },
  );
  if (![200, 204, 409].includes(res.status)) {
    throw new Error(
      `trigger of ${taskId} answered ${res.status}: ${await res.text()}`,
    );
  }
}

/**
 * Resolves with the first match of `pattern` in what the backend printed
 * after `since` characters. Take `since` (`backend.output().length`) before
 * the action that should print the line, so that a line of an earlier run
 * cannot satisfy the wait.
 */
export async function waitForOutputSince(
  backend: BackendProcess,
  since: number,
  pattern: RegExp,
  timeoutMs = 120_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(backend.output().slice(since));
    if (match) {
      return match[0];
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out waiting for ${pattern}; output since (without access logs):\n${outputTail(
          backend,
          since,
        )}`,
      );
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

/**
 * Every line a catalog provider's run can end with, as the catalog module
 * logs it after the provider's name: applied, failed, rate limited, ended
 * without applying, or refused by the guard against an empty source.
 */
const RUN_ENDED =
  /(applied|sync failed|rate limited|sync ended|the source returned)[^\n]*/;

/** What a failed run logs after the provider's name. */
export const SYNC_FAILED = /sync failed after \d+ ms, nothing applied/;

/** What a rate-limited run logs after the provider's name, for a limit that resets at `resetAt`. */
export function rateLimitedUntil(resetAt: Date, status = 429): RegExp {
  return new RegExp(
    `rate limited \\(HTTP ${status}\\), limit resets at ${escapeRegExp(
      resetAt.toISOString(),
    )}; nothing applied, the next scheduled run retries`,
  );
}

/**
 * Runs a catalog provider's refresh task (`<providerName>:refresh`) now and
 * resolves with the line its run logged, `<providerName>: <outcome>...`:
 * by default any line a run ends with, so the caller can assert on it.
 */
export async function runProviderRefresh(
  backend: BackendProcess,
  providerName: string,
  outcome: RegExp = RUN_ENDED,
): Promise<string> {
  const since = backend.output().length;
  await triggerTask(backend, 'catalog', `${providerName}:refresh`);
  return waitForOutputSince(
    backend,
    since,
    new RegExp(
      `${escapeRegExp(providerName)}: ${outcome.source}`,
      outcome.flags,
    ),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Decodes the payload of a Backstage token, without verifying it. */
export function tokenClaims(token: string): Record<string, unknown> {
  return JSON.parse(
    Buffer.from(token.split('.')[1], 'base64url').toString('utf8'),
  );
}
