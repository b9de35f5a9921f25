import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  PresetsConfigError,
  configKeyVariables,
} from '@devportal/plugin-presets-common';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import { readRbacConfig } from './config';
import { createGroupResolver } from './groups';
import { RbacPolicy } from './policy';
import { PolicyModel, readPolicyFile } from './policyFile';
import { createPoliciesRouter } from './router';

/**
 * The rbac preset's permission policy: roles from a policy CSV granted to
 * catalog users and groups (parent groups included), admins from config,
 * and `GET /api/permission/policies` for admins.
 *
 * @public
 */
export const permissionModulePresetsRbac = createBackendModule({
  pluginId: 'permission',
  moduleId: 'presets-rbac',
  register(reg) {
    reg.registerInit({
      deps: {
        policies: policyExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        httpAuth: coreServices.httpAuth,
        auditor: coreServices.auditor,
        httpRouter: coreServices.httpRouter,
        catalog: catalogServiceRef,
        presets: presetsServiceRef,
      },
      async init({
        policies,
        config,
        logger,
        auth,
        httpAuth,
        auditor,
        httpRouter,
        catalog,
        presets,
      }) {
        // Messages name each key, and the variables the selected presets
        // set it from.
        const variablesOf = (key: string) =>
          configKeyVariables(presets.presets, key);
        const { config: rbac, problems } = readRbacConfig(config, variablesOf);
        if (problems.length > 0) {
          throw new PresetsConfigError(problems);
        }
        const model: PolicyModel = rbac.policiesFile
          ? readPolicyFile(rbac.policiesFile, variablesOf)
          : { policies: [], memberships: [] };
        const policy = new RbacPolicy({
          config: rbac,
          model,
          groupsOf: createGroupResolver({
            catalog,
            auth,
            logger,
            maxDepth: rbac.maxDepth,
          }),
        });
        policies.setPolicy(policy);
        httpRouter.use(
          createPoliciesRouter({
            httpAuth,
            auditor,
            isAdmin: ref => policy.isAdmin(ref),
            config: rbac,
            model,
          }),
        );
        logger.info(
          `RBAC policy: ${rbac.admins.length} admin refs (${rbac.admins.join(
            ', ',
          )}), ${model.policies.length} policies and ${
            model.memberships.length
          } role members from ${
            rbac.policiesFile ?? 'no policy file'
          }; parent groups followed ${
            rbac.maxDepth === undefined
              ? 'to the top'
              : `${rbac.maxDepth} levels up`
          }${
            rbac.ownersEditOwned
              ? '; owners may update and delete what they own'
              : ''
          }`,
        );
      },
    });
  },
});
