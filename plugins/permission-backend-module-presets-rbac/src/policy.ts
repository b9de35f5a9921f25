import {
  AuthorizeResult,
  isResourcePermission,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { RbacConfig } from './config';
import { GroupResolver } from './groups';
import { PolicyModel, RolePolicy } from './policyFile';

/**
 * Options of {@link RbacPolicy}.
 *
 * @public
 */
export interface RbacPolicyOptions {
  config: RbacConfig;
  model: PolicyModel;
  groupsOf: GroupResolver;
}

/**
 * The role every signed-in person holds, whatever their groups: `p` lines
 * for it grant everyone (the starting policy's "everyone signed in reads
 * the catalog"). Not an RHDH role.
 *
 * @public
 */
export const SIGNED_IN_ROLE = 'role:default/signed-in';

/** The actions owners may take on what they own with `ownersEditOwned`. */
const OWNER_ACTIONS = ['update', 'delete'];

/**
 * The action a permission is for; RHDH treats a permission without one
 * (e.g. `catalog.entity.validate`) as `use`.
 */
function actionOf(permission: Permission): string {
  return permission.attributes.action ?? 'use';
}

/** Whether a `p` line speaks about this permission, by name or by resource type. */
function policyMatches(
  policy: RolePolicy,
  permission: Permission,
): boolean {
  const named =
    policy.permission === permission.name ||
    (isResourcePermission(permission) &&
      policy.permission === permission.resourceType);
  return named && policy.action === actionOf(permission);
}

/**
 * Role-based policy over a policy CSV: deny unless granted; admins may do
 * everything; a `deny` line wins over any `allow` for the same person, as
 * in RHDH's RBAC plugin. A person holds the roles given (`g` lines) to
 * them, to their groups and to the parents of their groups, plus
 * {@link SIGNED_IN_ROLE}.
 *
 * @public
 */
export class RbacPolicy implements PermissionPolicy {
  readonly #config: RbacConfig;
  readonly #model: PolicyModel;
  readonly #groupsOf: GroupResolver;

  constructor(options: RbacPolicyOptions) {
    this.#config = options.config;
    this.#model = options.model;
    this.#groupsOf = options.groupsOf;
  }

  /** The user and group refs a signed-in person acts as. */
  async principalsOf(userRef: string): Promise<string[]> {
    const user = userRef.toLocaleLowerCase('en-US');
    return [user, ...(await this.#groupsOf(user))];
  }

  /** Whether the person is an admin, by their own ref or a group's. */
  async isAdmin(userRef: string): Promise<boolean> {
    return this.#anyAdmin(await this.principalsOf(userRef));
  }

  #anyAdmin(principals: string[]): boolean {
    return principals.some(p => this.#config.admins.includes(p));
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) {
      return { result: AuthorizeResult.DENY };
    }
    const principals = await this.principalsOf(user.info.userEntityRef);
    if (this.#anyAdmin(principals)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const roles = new Set([
      SIGNED_IN_ROLE,
      ...this.#model.memberships
        .filter(m => principals.includes(m.member))
        .map(m => m.role),
    ]);
    const effects = this.#model.policies
      .filter(p => roles.has(p.role) && policyMatches(p, request.permission))
      .map(p => p.effect);
    if (effects.includes('deny')) {
      return { result: AuthorizeResult.DENY };
    }
    if (effects.includes('allow')) {
      return { result: AuthorizeResult.ALLOW };
    }
    return this.#ownerDecision(request.permission, principals);
  }

  /**
   * "Owners edit what they own": a conditional decision the catalog
   * evaluates per entity with its own isEntityOwner rule.
   */
  #ownerDecision(permission: Permission, principals: string[]): PolicyDecision {
    if (
      this.#config.ownersEditOwned &&
      isResourcePermission(permission, RESOURCE_TYPE_CATALOG_ENTITY) &&
      OWNER_ACTIONS.includes(actionOf(permission))
    ) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: principals }),
      );
    }
    return { result: AuthorizeResult.DENY };
  }
}
