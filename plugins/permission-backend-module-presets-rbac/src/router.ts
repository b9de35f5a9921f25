import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { RequestHandler, Router } from 'express';
import { RbacConfig } from './config';
import { PolicyModel } from './policyFile';

/** The role admins hold, named as in RHDH's RBAC plugin. */
const ADMIN_ROLE = 'role:default/rbac_admin';

/** A policy in the shape of RHDH's `GET /api/permission/policies`. */
export interface RoleBasedPolicy {
  entityReference: string;
  permission: string;
  policy: string;
  effect: string;
  metadata: { source: 'csv-file' | 'configuration' };
}

/** A role in the shape of RHDH's `GET /api/permission/roles`. */
export interface RoleWithMembers {
  name: string;
  memberReferences: string[];
  metadata: { source: 'csv-file' | 'configuration' };
}

/** The effective policies: the admins' grant of everything, then the CSV's lines. */
function effectivePolicies(
  config: RbacConfig,
  model: PolicyModel,
): RoleBasedPolicy[] {
  const admin: RoleBasedPolicy[] =
    config.admins.length > 0
      ? [
          {
            entityReference: ADMIN_ROLE,
            permission: '*',
            policy: '*',
            effect: 'allow',
            metadata: { source: 'configuration' },
          },
        ]
      : [];
  return [
    ...admin,
    ...model.policies.map(p => ({
      entityReference: p.role,
      permission: p.permission,
      policy: p.action,
      effect: p.effect,
      metadata: { source: 'csv-file' as const },
    })),
  ];
}

/** Who holds each role: the admins, then the CSV's `g` lines by role. */
function effectiveRoles(
  config: RbacConfig,
  model: PolicyModel,
): RoleWithMembers[] {
  const roles = new Map<string, Set<string>>();
  for (const m of model.memberships) {
    roles.set(m.role, (roles.get(m.role) ?? new Set()).add(m.member));
  }
  for (const p of model.policies) {
    roles.set(p.role, roles.get(p.role) ?? new Set());
  }
  const admin: RoleWithMembers[] =
    config.admins.length > 0
      ? [
          {
            name: ADMIN_ROLE,
            memberReferences: config.admins,
            metadata: { source: 'configuration' },
          },
        ]
      : [];
  return [
    ...admin,
    ...[...roles].map(([name, members]) => ({
      name,
      memberReferences: [...members].sort(),
      metadata: { source: 'csv-file' as const },
    })),
  ];
}

/** Options of {@link createPoliciesRouter}. */
export interface PoliciesRouterOptions {
  httpAuth: HttpAuthService;
  /** Where each read, and each refused one, is audited (`rbac-policies-read`). */
  auditor: AuditorService;
  isAdmin(userRef: string): Promise<boolean>;
  config: RbacConfig;
  model: PolicyModel;
}

/**
 * `GET /policies` and `GET /roles` under the permission plugin, for
 * signed-in admins only: what the policy grants and who holds each role.
 * A service token is not a person and gets 403 like a non-admin. Each read
 * by a person is audited (`rbac-policies-read`, the reader as its actor),
 * a refused one as failed.
 */
export function createPoliciesRouter(options: PoliciesRouterOptions): Router {
  const { httpAuth, auditor, isAdmin, config, model } = options;
  const router = Router();
  const adminsRead =
    (read: 'policies' | 'roles', answer: () => unknown): RequestHandler =>
    async (req, res, next) => {
      try {
        const credentials = await httpAuth.credentials(req, {
          allow: ['user'],
        });
        const event = await auditor.createEvent({
          eventId: 'rbac-policies-read',
          severityLevel: 'medium',
          request: req,
          meta: { read },
        });
        if (!(await isAdmin(credentials.principal.userEntityRef))) {
          const error = new NotAllowedError(
            'Only RBAC admins (permission.rbac.admin.users) may read the permission policies',
          );
          await event.fail({ error });
          throw error;
        }
        const body = answer();
        await event.success();
        res.json(body);
      } catch (error) {
        next(error);
      }
    };
  router.get(
    '/policies',
    adminsRead('policies', () => effectivePolicies(config, model)),
  );
  router.get(
    '/roles',
    adminsRead('roles', () => effectiveRoles(config, model)),
  );
  return router;
}
