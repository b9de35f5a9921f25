/*
 * The shapes of the presets backend's routes, as plugins/presets-backend
 * serves them (status.ts, presetsPlugin.ts). Repeated here: a frontend package
 * cannot import a backend one. The pending-sync routes' shapes are shared
 * through @devportal/plugin-presets-sync-common instead.
 */
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import { PendingSyncList } from '@devportal/plugin-presets-sync-common';

/** Said of a source that has not run yet in this process. */
export const NEVER_RUN = 'never run';

export interface SyncRunStatus {
  at: string;
  outcome: 'applied' | 'refused' | 'failed' | 'rate-limited' | string;
  durationMs: number;
  counts?: { users: number; groups: number; entities: number };
}

export interface PresetsStatus {
  presets: Array<{ name: string; version: string }>;
  auth: {
    preset: string | null;
    providers: Array<{ id: string; title: string }>;
  };
  sync: Array<{
    provider: string;
    kind: 'org' | 'discovery';
    lastRun: SyncRunStatus | typeof NEVER_RUN;
    lastApplied: SyncRunStatus | typeof NEVER_RUN;
  }>;
}

export interface LoadedPlugin {
  package: string;
  version: string;
  role: string;
  /** The preset that enabled it; absent for what the backend always adds. */
  preset?: string;
}

/** A route of the presets backend refused a call; `status` is the HTTP status. */
export class PresetsApiError extends Error {
  readonly name = 'PresetsApiError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

type PresetsApis = { discoveryApi: DiscoveryApi; fetchApi: FetchApi };

async function callPresets(
  apis: PresetsApis,
  route: string,
  method: 'GET' | 'POST',
): Promise<Response> {
  const baseUrl = await apis.discoveryApi.getBaseUrl('presets');
  const url = `${baseUrl}${route}`;
  const res = await (method === 'GET'
    ? apis.fetchApi.fetch(url)
    : apis.fetchApi.fetch(url, { method }));
  if (!res.ok) {
    let detail = res.statusText;
    try {
      // Backstage's error bodies: { error: { name, message } }
      detail = (await res.json())?.error?.message ?? detail;
    } catch {
      // not JSON: the status text it is
    }
    throw new PresetsApiError(
      `${method} /api/presets${route} answered ${res.status}: ${detail}`,
      res.status,
    );
  }
  return res;
}

async function getJson<T>(apis: PresetsApis, route: string): Promise<T> {
  return (await (await callPresets(apis, route, 'GET')).json()) as T;
}

/** Reads `GET /api/presets/status` and `GET /api/presets/plugins`. */
export async function loadPresetsOverview(
  apis: PresetsApis,
): Promise<{ status: PresetsStatus; plugins: LoadedPlugin[] }> {
  const [status, plugins] = await Promise.all([
    getJson<PresetsStatus>(apis, '/status'),
    getJson<LoadedPlugin[]>(apis, '/plugins'),
  ]);
  return { status, plugins };
}

/** Reads `GET /api/presets/sync/pending`: the refused org syncs waiting for a person. */
export function loadPendingSyncs(apis: PresetsApis): Promise<PendingSyncList> {
  return getJson<PendingSyncList>(apis, '/sync/pending');
}

/** What a person decides about a pending sync. */
export type PendingSyncDecision = 'approve' | 'reject';

/**
 * `POST /api/presets/sync/pending/<provider>/approve` (applies the held
 * result) or `.../reject` (drops it).
 */
export async function decidePendingSync(
  apis: PresetsApis,
  provider: string,
  decision: PendingSyncDecision,
): Promise<void> {
  // Its small JSON body says nothing the refreshed list does not.
  await callPresets(
    apis,
    `/sync/pending/${encodeURIComponent(provider)}/${decision}`,
    'POST',
  );
}
