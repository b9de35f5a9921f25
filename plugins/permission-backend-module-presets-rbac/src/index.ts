/**
 * Role-based permission policy for the rbac preset: roles from a policy CSV
 * in the format RHDH documents, granted to catalog users and groups (parent
 * groups included), admins from config, and the effective policies at
 * `GET /api/permission/policies` for admins.
 *
 * @packageDocumentation
 */

export { permissionModulePresetsRbac as default } from './module';
export {
  readRbacConfig,
  type ConfigKeyVariables,
  type RbacConfig,
} from './config';
