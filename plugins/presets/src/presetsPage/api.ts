/*
 * The shapes of the presets backend's routes, as plugins/presets-backend
 * serves them (status.ts, presetsPlugin.ts). Repeated here: a frontend package
 * cannot import a backend one.
 */
import { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';

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

async function getJson<T>(
  apis: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  route: string,
): Promise<T> {
  const baseUrl = await apis.discoveryApi.getBaseUrl('presets');
  const res = await apis.fetchApi.fetch(`${baseUrl}${route}`);
  if (!res.ok) {
    let detail = res.statusText;
    try {
      detail = (await res.json())?.error?.message ?? detail;
    } catch {
      // not JSON: the status text it is
    }
    throw new Error(
      `GET /api/presets${route} answered ${res.status}: ${detail}`,
    );
  }
  return (await res.json()) as T;
}

/** Reads `GET /api/presets/status` and `GET /api/presets/plugins`. */
export async function loadPresetsOverview(apis: {
  discoveryApi: DiscoveryApi;
  fetchApi: FetchApi;
}): Promise<{ status: PresetsStatus; plugins: LoadedPlugin[] }> {
  const [status, plugins] = await Promise.all([
    getJson<PresetsStatus>(apis, '/status'),
    getJson<LoadedPlugin[]>(apis, '/plugins'),
  ]);
  return { status, plugins };
}
