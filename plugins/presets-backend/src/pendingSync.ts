import {
  AuditorService,
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  PermissionsService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  PresetSyncDecision,
  PresetSyncPendingService,
} from '@devportal/plugin-preset-providers-node';
import {
  PendingSyncList,
  presetsSyncApprovePermission,
} from '@devportal/plugin-presets-sync-common';
import { Request, Response, Router } from 'express';
import PromiseRouter from 'express-promise-router';

type Caller = BackstageCredentials<
  BackstageUserPrincipal | BackstageServicePrincipal
>;

/** Who decided, for the audit log: a user's entity ref or a service's subject. */
function approverOf(credentials: Caller): string {
  const { principal } = credentials;
  return principal.type === 'user'
    ? principal.userEntityRef
    : principal.subject;
}

/**
 * Whether the caller may approve or reject: the permission framework
 * decides when it is on (RBAC admins hold every permission); with it off
 * nothing would ever be denied, so only a service principal (an operator's
 * static token) may, never a signed-in user.
 */
async function mayDecide(
  credentials: Caller,
  deps: { permissionsEnabled: boolean; permissions: PermissionsService },
): Promise<boolean> {
  if (!deps.permissionsEnabled) {
    return credentials.principal.type === 'service';
  }
  const [decision] = await deps.permissions.authorize(
    [{ permission: presetsSyncApprovePermission }],
    { credentials },
  );
  return decision.result === AuthorizeResult.ALLOW;
}

/**
 * `GET /sync/pending` (any signed-in user or service) and
 * `POST /sync/pending/:provider/approve|reject` (those holding
 * `presets.sync.approve`): the refused org sync runs waiting for a person.
 * Every decision is audited with the provider, the approver and the
 * counts; a refusal of the permission is audited as a failed attempt.
 */
export function pendingSyncRouter(deps: {
  config: RootConfigService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  pending: PresetSyncPendingService;
}): Router {
  const { httpAuth, auditor, pending } = deps;
  const permissionsEnabled =
    deps.config.getOptionalBoolean('permission.enabled') ?? false;
  const router = PromiseRouter();

  router.get('/sync/pending', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const body: PendingSyncList = { items: await pending.list() };
    res.json(body);
  });

  const decide =
    (
      eventId: 'org-sync-approved' | 'org-sync-rejected',
      outcome: 'approved' | 'rejected',
      apply: (provider: string) => Promise<PresetSyncDecision>,
    ) =>
    async (req: Request<{ provider: string }>, res: Response) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const { provider } = req.params;
      const approver = approverOf(credentials);
      const event = await auditor.createEvent({
        eventId,
        severityLevel: 'high',
        request: req,
        meta: { provider, approver },
      });
      try {
        if (!(await mayDecide(credentials, { permissionsEnabled, ...deps }))) {
          throw new NotAllowedError(
            permissionsEnabled
              ? `${approver} may not approve or reject org syncs: it needs the permission ${presetsSyncApprovePermission.name} (RBAC admins hold it; a policy line "p, <role>, ${presetsSyncApprovePermission.name}, update, allow" grants it)`
              : `Only a service token may approve or reject org syncs while the permission framework is off (permission.enabled); ${approver} is a user`,
          );
        }
        const { pending: decided } = await apply(provider);
        await event.success({
          meta: {
            provider,
            approver,
            users: { last: decided.users.last, now: decided.users.now },
            groups: { last: decided.groups.last, now: decided.groups.now },
            removed: decided.removed.length,
            added: decided.added.length,
          },
        });
        res.json({
          provider,
          outcome,
          users: decided.users,
          groups: decided.groups,
        });
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    };

  router.post(
    '/sync/pending/:provider/approve',
    decide('org-sync-approved', 'approved', provider =>
      pending.approve(provider),
    ),
  );
  router.post(
    '/sync/pending/:provider/reject',
    decide('org-sync-rejected', 'rejected', provider =>
      pending.reject(provider),
    ),
  );
  return router;
}
