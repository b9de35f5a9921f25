/*
 * Talking to a running backend the way operators and the frontend do: the
 * catalog API and the scheduler API with a static service token, sign-in
 * through the auth routes.
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

/** The end of the backend's output, without access logs, for failure messages. */
function outputTail(backend: BackendProcess): string {
  return backend
    .output()
    .split('\n')
    .filter(line => !line.includes('incomingRequest'))
    .join('\n')
    .slice(-6000);
}

const namesOf = (entities: CatalogEntity[]) =>
  entities.map(e => e.metadata.name).join(', ');

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

/** Decodes the payload of a Backstage token, without verifying it. */
export function tokenClaims(token: string): Record<string, unknown> {
  return JSON.parse(
    Buffer.from(token.split('.')[1], 'base64url').toString('utf8'),
  );
}
