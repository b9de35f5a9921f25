import fs from 'fs';
import {
  PendingSync,
  PendingSyncList,
  presetsSyncApprovePermission,
} from '@devportal/plugin-presets-sync-common';
import { SelectionOptions, resolveSelection } from './checkPresets';
import { configOfLayers, readSelectionLayers } from './explainPresets';
import { PRESETS_TOKEN_ENV, SyncAction } from './parseCliArgs';
import { Paint } from './terminal';

/** A reason `presets sync` cannot call the backend at all: a problem of its configuration. */
export interface SyncSetupProblem {
  problem: string;
}

/**
 * The token to call the backend with: the `--token-file` file's content,
 * else `PRESETS_TOKEN`. The value never appears in a message.
 */
export function readSyncToken(
  tokenFile: string | undefined,
  env: Record<string, string | undefined>,
): { token: string } | SyncSetupProblem {
  let token: string;
  let source: string;
  if (tokenFile !== undefined) {
    source = `--token-file ${tokenFile}`;
    try {
      token = fs.readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      return {
        problem: `cannot read ${source}: ${
          (error as NodeJS.ErrnoException).code ?? 'unreadable'
        }`,
      };
    }
  } else {
    source = PRESETS_TOKEN_ENV;
    token = (env[PRESETS_TOKEN_ENV] ?? '').trim();
    if (!token) {
      return {
        problem: `no token: set ${PRESETS_TOKEN_ENV}, or pass --token-file <path>, to a static token of backend.auth.externalAccess or a user's Backstage token`,
      };
    }
  }
  if (!token) {
    return { problem: `${source} is empty` };
  }
  // An HTTP header cannot carry it, and fetch's error would quote the value.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    return {
      problem: `the token in ${source} holds spaces or characters other than printable ASCII; a Backstage token has none`,
    };
  }
  return { token };
}

/**
 * The backend to call: `--url`, else `backend.baseUrl` of the config the
 * backend would read (the same layers `explain` and `doctor` merge). The
 * selection's own problems do not matter here: the backend runs elsewhere,
 * with its own environment; only the URL is read.
 */
export async function syncBackendUrl(
  url: string | undefined,
  selection: SelectionOptions,
): Promise<{ url: string } | SyncSetupProblem> {
  if (url !== undefined) {
    return { url };
  }
  const resolution = resolveSelection(selection);
  const { layers } = await readSelectionLayers(resolution, {
    env: selection.env,
    rootDir: selection.rootDir,
  });
  const baseUrl = configOfLayers(
    layers.filter(layer => layer.error === undefined),
  ).getOptionalString('backend.baseUrl');
  if (!baseUrl) {
    return {
      problem:
        'no backend URL: pass --url <url>, or set backend.baseUrl in the config (BACKEND_BASE_URL in app-config.yaml)',
    };
  }
  return { url: baseUrl };
}

/** What the backend answered. */
export type SyncAnswer =
  | { ok: true; body: unknown }
  | { ok: false; status: number; message: string }
  | { ok: false; status?: undefined; message: string };

/** The route of a sync command, below the backend's base URL. */
export function syncRoute(action: SyncAction, provider?: string): string {
  return action === 'pending'
    ? '/api/presets/sync/pending'
    : `/api/presets/sync/pending/${encodeURIComponent(
        provider ?? '',
      )}/${action}`;
}

/** Calls the presets backend's pending-sync route of this command. */
export async function callPresetsSync(options: {
  url: string;
  token: string;
  action: SyncAction;
  provider?: string;
}): Promise<SyncAnswer> {
  const target = `${options.url.replace(/\/+$/, '')}${syncRoute(
    options.action,
    options.provider,
  )}`;
  let res: Response;
  try {
    res = await fetch(target, {
      method: options.action === 'pending' ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${options.token}`,
        accept: 'application/json',
      },
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } })
      .cause;
    return {
      ok: false,
      message: `cannot reach ${target}: ${
        cause?.code ?? cause?.message ?? (error as Error).message
      }`,
    };
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok) {
    return { ok: true, body };
  }
  const message =
    (body as { error?: { message?: string } } | undefined)?.error?.message ??
    res.statusText;
  return { ok: false, status: res.status, message };
}

/** What to do about a refusal, by its status. */
export function refusalHint(
  status: number | undefined,
  action: SyncAction,
  provider?: string,
): string | undefined {
  switch (status) {
    case undefined:
      return 'Is the backend running? Pass its base URL with --url.';
    case 401:
      return `The backend took no valid token. Give it one in ${PRESETS_TOKEN_ENV} or a file named by --token-file: a static token of backend.auth.externalAccess (type static, with its subject), or a signed-in user's Backstage token.`;
    case 403:
      return `This needs the permission ${presetsSyncApprovePermission.name}: RBAC admins hold it; with the permission framework off, only a service principal does, e.g. a static token of backend.auth.externalAccess.`;
    case 404:
      return action === 'pending'
        ? 'Does --url (or backend.baseUrl) name a DevPortal backend?'
        : `Nothing is pending for ${provider}: "presets sync pending" lists what is.`;
    case 409:
      return `The pending change of ${provider} was decided or replaced meanwhile: "presets sync pending" shows what waits now.`;
    default:
      return undefined;
  }
}

/** What an approve or reject did, in a line. */
export function describeDecision(
  action: Exclude<SyncAction, 'pending'>,
  provider: string,
): string {
  return action === 'approve'
    ? `Approved ${provider}: its held result is applied to the catalog.\n`
    : `Rejected ${provider}: its held result is dropped; the catalog keeps what it has.\n`;
}

function counted(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

function refList(refs: string[]): string[] {
  return refs.length === 0 ? ['    none'] : refs.map(ref => `    ${ref}`);
}

function formatPendingSync(pending: PendingSync, paint: Paint): string {
  const { users, groups } = pending;
  return [
    paint.bold(pending.provider),
    `  refused at  ${pending.refusedAt}`,
    `  reason      ${pending.reason}`,
    `  users       ${users.last} → ${users.now} (last applied → refused run)`,
    `  groups      ${groups.last} → ${groups.now}`,
    paint.red(
      `  approving removes ${counted(
        pending.removed.length,
        'entity',
        'entities',
      )}`,
    ),
    ...refList(pending.removed),
    `  approving adds ${counted(pending.added.length, 'entity', 'entities')}`,
    ...refList(pending.added),
    `  presets sync approve ${pending.provider}   or   presets sync reject ${pending.provider}`,
  ].join('\n');
}

/** Whether a body is the JSON of `GET /api/presets/sync/pending`, as far as printing it needs. */
export function isPendingSyncList(body: unknown): body is PendingSyncList {
  const items = (body as { items?: unknown } | undefined)?.items;
  return (
    Array.isArray(items) &&
    items.every(
      item =>
        typeof item?.provider === 'string' &&
        Array.isArray(item.removed) &&
        Array.isArray(item.added) &&
        typeof item.users?.last === 'number' &&
        typeof item.groups?.last === 'number',
    )
  );
}

/** `presets sync pending`: one block per held change, or that none waits. */
export function formatPendingSyncs(
  list: PendingSyncList,
  paint: Paint,
): string {
  if (list.items.length === 0) {
    return 'No refused org sync is waiting for a person.\n';
  }
  return `${list.items
    .map(item => formatPendingSync(item, paint))
    .join('\n\n')}\n`;
}
