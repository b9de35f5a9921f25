/**
 * A count before and after: what the catalog holds from the sync now
 * (`last`, the last applied run) and what the refused run found (`now`).
 *
 * @public
 */
export interface PendingSyncCount {
  last: number;
  now: number;
}

/**
 * An org sync run the guard refused, held until a person approves or
 * rejects it. A newer refused run of the same provider replaces it; an
 * applied run drops it.
 *
 * @public
 */
export interface PendingSync {
  /** The sync's id, as `GET /api/presets/status` names it (`LdapOrgEntityProvider:default`). */
  provider: string;
  /** When the run was refused, ISO 8601. */
  refusedAt: string;
  /** Why the guard refused it, as the backend logged it. */
  reason: string;
  users: PendingSyncCount;
  groups: PendingSyncCount;
  /** Entity refs the catalog holds from this sync that approving would remove, sorted. */
  removed: string[];
  /** Entity refs approving would add, sorted. */
  added: string[];
}

/**
 * The body of `GET /api/presets/sync/pending`.
 *
 * @public
 */
export interface PendingSyncList {
  items: PendingSync[];
}
