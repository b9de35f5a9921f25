import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  GroupEntity,
  UserEntity,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  OktaApi,
  OktaGroup,
  OktaOrgConfig,
  OktaUser,
  readOktaOrgConfigs,
} from '@devportal/plugin-presets-sources-node';

/** The Okta user id on a synced User. */
export const OKTA_USER_ID_ANNOTATION = 'okta.com/user-id';
/**
 * The Okta email on a synced User: the annotation upstream's Okta sign-in
 * resolver `emailMatchingUserEntityAnnotation` looks a person up by.
 */
export const OKTA_EMAIL_ANNOTATION = 'okta.com/email';
/** The Okta group id on a synced Group. */
export const OKTA_GROUP_ID_ANNOTATION = 'okta.com/group-id';

/**
 * A catalog entity name from an Okta login or group name: lower case,
 * runs of characters an entity name cannot hold as one `-`, starting and
 * ending with a letter or digit, at most 63 characters.
 */
export function oktaEntityName(text: string): string {
  const trim = (s: string) => s.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return trim(
    trim(text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')).slice(0, 63),
  );
}

/** The User's name: the part of the login before `@` (logins are usually email addresses). */
function userNameOf(user: OktaUser): string {
  return oktaEntityName(user.profile.login.split('@')[0]);
}

function displayNameOf(user: OktaUser): string | undefined {
  const { displayName, firstName, lastName } = user.profile;
  return (
    displayName?.trim() ||
    [firstName, lastName].filter(Boolean).join(' ').trim() ||
    undefined
  );
}

/** The synced users and groups of one read, before they are applied. */
interface OktaOrgEntities {
  users: UserEntity[];
  groups: GroupEntity[];
}

/**
 * Syncs the users and groups of one Okta org into the catalog, with
 * memberships: Users named after their login's local part, Groups after
 * their Okta name. Configured under `catalog.providers.oktaOrg.<id>`
 * ({@link OktaOrgConfig}).
 *
 * Ours because `@roadiehq/catalog-backend-module-okta` does not run on
 * this Backstage release: its backend module depends on
 * `catalogProcessingExtensionPoint` from `@backstage/plugin-catalog-node/alpha`,
 * which `@backstage/plugin-catalog-node` 2 no longer exports.
 *
 * It schedules nothing itself: whoever registers it calls {@link
 * OktaOrgEntityProvider.read} on a schedule.
 *
 * @public
 */
export class OktaOrgEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;

  /** One provider per block under `catalog.providers.oktaOrg`. */
  static fromConfig(
    config: Config,
    options: { logger: LoggerService },
  ): OktaOrgEntityProvider[] {
    return readOktaOrgConfigs(config).map(
      source =>
        new OktaOrgEntityProvider(
          source,
          new OktaApi({
            orgUrl: source.orgUrl,
            token: source.token,
          }),
          options.logger,
        ),
    );
  }

  private constructor(
    private readonly source: OktaOrgConfig,
    private readonly api: OktaApi,
    private readonly logger: LoggerService,
  ) {}

  /** `OktaOrgEntityProvider:<id>` */
  getProviderName(): string {
    return `OktaOrgEntityProvider:${this.source.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
  }

  /**
   * Reads the org's users and groups (the configured filters applied) and
   * each group's members. Throws, having read nothing usable, when any page
   * fails (an `OktaResponseError` for an HTTP answer).
   */
  private async readEntities(logger: LoggerService): Promise<OktaOrgEntities> {
    const { orgUrl, userFilter, groupFilter } = this.source;
    const usersById = new Map<string, UserEntity>();
    const userNames = new Map<string, string>();
    for (const user of await this.api.listUsers(userFilter)) {
      // Deprovisioned users cannot sign in; a search lists them anyway.
      if (user.status === 'DEPROVISIONED') continue;
      const name = userNameOf(user);
      const taken = userNames.get(name);
      if (!name || taken) {
        logger.warn(
          `${this.getProviderName()}: skipping Okta user ${
            user.profile.login
          }: ${
            taken
              ? `the name '${name}' is already taken by ${taken}`
              : 'the login gives no entity name'
          }`,
        );
        continue;
      }
      userNames.set(name, user.profile.login);
      const email = user.profile.email || undefined;
      const location = `url:${orgUrl}/api/v1/users/${user.id}`;
      usersById.set(user.id, {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'User',
        metadata: {
          name,
          annotations: {
            [ANNOTATION_LOCATION]: location,
            [ANNOTATION_ORIGIN_LOCATION]: location,
            [OKTA_USER_ID_ANNOTATION]: user.id,
            ...(email ? { [OKTA_EMAIL_ANNOTATION]: email } : {}),
          },
        },
        spec: {
          profile: {
            displayName: displayNameOf(user),
            email,
          },
          memberOf: [],
        },
      });
    }

    const groups: GroupEntity[] = [];
    const groupNames = new Map<string, string>();
    for (const group of await this.api.listGroups(groupFilter)) {
      // Everyone: all of the org, not a team.
      if (group.type === 'BUILT_IN') continue;
      const entity = this.groupEntity(group, groupNames, logger);
      if (!entity) continue;
      for (const member of await this.api.listGroupUsers(group.id)) {
        // Members the user filter left out stay out.
        usersById
          .get(member.id)
          ?.spec.memberOf!.push(`group:default/${entity.metadata.name}`);
      }
      groups.push(entity);
    }
    return { users: [...usersById.values()], groups };
  }

  private groupEntity(
    group: OktaGroup,
    taken: Map<string, string>,
    logger: LoggerService,
  ): GroupEntity | undefined {
    const name = oktaEntityName(group.profile.name);
    const other = taken.get(name);
    if (!name || other) {
      logger.warn(
        `${this.getProviderName()}: skipping Okta group '${
          group.profile.name
        }' (${group.id}): ${
          other
            ? `the name '${name}' is already taken by group ${other}`
            : 'its name gives no entity name'
        }`,
      );
      return undefined;
    }
    taken.set(name, group.id);
    const location = `url:${this.source.orgUrl}/api/v1/groups/${group.id}`;
    const description = group.profile.description?.trim();
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: {
        name,
        ...(description ? { description } : {}),
        annotations: {
          [ANNOTATION_LOCATION]: location,
          [ANNOTATION_ORIGIN_LOCATION]: location,
          [OKTA_GROUP_ID_ANNOTATION]: group.id,
        },
      },
      spec: {
        type: 'team',
        profile: { displayName: group.profile.name },
        children: [],
      },
    };
  }

  /** Runs one sync and replaces this provider's users and groups with what it read. */
  async read(options: { logger?: LoggerService } = {}): Promise<void> {
    if (!this.connection) {
      throw new Error(
        `${this.getProviderName()} is not connected to the catalog yet`,
      );
    }
    const logger = options.logger ?? this.logger;
    const { users, groups } = await this.readEntities(logger);
    await this.connection.applyMutation({
      type: 'full',
      entities: [...users, ...groups].map(entity => ({
        locationKey: this.getProviderName(),
        entity,
      })),
    });
    logger.info(
      `${this.getProviderName()}: read ${users.length} users and ${
        groups.length
      } groups from ${this.source.orgUrl}`,
    );
  }
}
