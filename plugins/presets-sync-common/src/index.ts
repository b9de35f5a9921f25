/**
 * The pending-sync API of the presets plugin: what
 * `GET /api/presets/sync/pending` returns, and the permission that
 * `POST /api/presets/sync/pending/<provider>/approve` and `.../reject`
 * require.
 *
 * @packageDocumentation
 */

export * from './permissions';
export * from './types';
