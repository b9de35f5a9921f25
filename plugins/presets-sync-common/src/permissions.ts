import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Approving or rejecting an org sync that the guard refused: approving
 * applies the held result, which may delete users and groups from the
 * catalog. RBAC admins hold it; with the permission framework off, only
 * service principals (e.g. a static token from
 * `backend.auth.externalAccess`) may use it.
 *
 * @public
 */
export const presetsSyncApprovePermission = createPermission({
  name: 'presets.sync.approve',
  attributes: { action: 'update' },
});

/**
 * Every permission of the presets plugin, for the permissions registry.
 *
 * @public
 */
export const presetsPermissions = [presetsSyncApprovePermission];
