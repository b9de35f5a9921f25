/*
 * The fake Keycloak's directory: the config a test gives (users, a group
 * tree), checked with messages that name the field, and the JSON shapes
 * Keycloak 26's admin API answers with.
 */
import crypto from 'crypto';

/** A Keycloak user of the fake realm. */
export interface FakeKeycloakUser {
  /** The Keycloak user id (a UUID); it is the OIDC `sub` and the `keycloak.org/id` annotation. */
  id: string;
  /** Stored in lower case, as Keycloak does. */
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  /** Without a password the user cannot sign in (but is still synced). */
  password?: string;
  /** Group names (anywhere in the tree) or paths such as `/engineering/platform`. */
  groups?: string[];
  /** Defaults to true; a disabled user cannot sign in. */
  enabled?: boolean;
  /** Defaults to true; Backstage's OIDC profile only carries the email when this is true. */
  emailVerified?: boolean;
  attributes?: Record<string, string[]>;
  createdTimestamp?: number;
}

/** A Keycloak group; members come from {@link FakeKeycloakUser.groups}. */
export interface FakeKeycloakGroup {
  /** Defaults to a random UUID. */
  id?: string;
  name: string;
  description?: string;
  attributes?: Record<string, string[]>;
  subGroups?: FakeKeycloakGroup[];
}

/** What the fake Keycloak serves. */
export interface FakeKeycloakConfig {
  /** The realm users sign in to and whose users and groups the admin API lists. */
  realm: string;
  /**
   * The realm whose token endpoint issues admin tokens (client_credentials);
   * the keycloak module's `loginRealm`, which defaults to `master` there.
   * Defaults to `realm`.
   */
  loginRealm?: string;
  /** One confidential client for both sign-in and the admin API. */
  clientId: string;
  clientSecret: string;
  /** Exact redirect URIs; one ending in `*` matches by prefix, as in Keycloak. */
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  users: FakeKeycloakUser[];
  groups?: FakeKeycloakGroup[];
  /** `systemInfo.version` of /admin/serverinfo; 22 or lower switches to Keycloak 22's group listing. Defaults to 26.4.0. */
  serverVersion?: string;
  /** A fixed port on 127.0.0.1; defaults to a free one. */
  port?: number;
}

/** A change to the fake at run time, through `POST /__control`. */
export interface FakeKeycloakControl {
  /** While true, every admin API call (/admin/...) answers 500. */
  fail?: boolean;
  /**
   * The realm-management roles of the client's service account (by default
   * {@link SERVICE_ACCOUNT_ROLES}): reading users needs `view-users` or
   * `query-users`, reading groups `view-users` or `query-groups`; without
   * them the admin API answers 403, as Keycloak does.
   */
  serviceAccountRoles?: string[];
  /** Replaces all users (an empty list is allowed). */
  users?: FakeKeycloakUser[];
  /** Replaces all groups; memberships of users not replaced at the same time are kept by group id. */
  groups?: FakeKeycloakGroup[];
  /** Clears the request log, and the peak of admin requests in flight. */
  resetRequests?: boolean;
}

/** The roles the keycloak preset asks the service account to hold. */
export const SERVICE_ACCOUNT_ROLES = [
  'view-users',
  'query-users',
  'query-groups',
] as const;

/** A request the fake received (control requests are not logged). */
export interface FakeKeycloakRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

/** A config or control value the fake cannot serve; the message names the field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A group of the tree, with its parent and children linked. */
export interface GroupNode {
  id: string;
  name: string;
  description?: string;
  attributes: Record<string, string[]>;
  parent: GroupNode | null;
  path: string;
  children: GroupNode[];
}

/** The group tree: the top level sorted by name, every group, and by id. */
export interface GroupTree {
  top: GroupNode[];
  all: GroupNode[];
  byId: Map<string, GroupNode>;
}

/** A user as the fake keeps it: defaults filled in, groups resolved to ids. */
export interface StoredUser
  extends Omit<
    FakeKeycloakUser,
    'groups' | 'enabled' | 'emailVerified' | 'createdTimestamp'
  > {
  enabled: boolean;
  emailVerified: boolean;
  createdTimestamp: number;
  groupIds: Set<string>;
}

/** The config, checked, with defaults filled in. */
export interface ServerConfig {
  realm: string;
  loginRealm: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  serverVersion: string;
  groups: GroupTree;
  users: StoredUser[];
}

/** Any value of a config or control body, unchecked yet. */
type Unchecked = Record<string, unknown>;

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`${where} must be a non-empty string`);
  }
  return value;
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new ConfigError(`${where} must be a string`);
  return value;
}

function isObject(value: unknown): value is Unchecked {
  return Boolean(value) && typeof value === 'object';
}

function compare(a: string, b: string) {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** A sorted copy, by the key's text. */
export function sortBy<T>(list: readonly T[], key: (item: T) => string): T[] {
  return [...list].sort((a, b) => compare(key(a), key(b)));
}

function sortByName(list: GroupNode[]) {
  return sortBy(list, g => g.name);
}

/** Builds the group tree: nodes with parent links, indexed by id and by path. */
export function buildGroups(rawGroups: unknown = []): GroupTree {
  if (!Array.isArray(rawGroups))
    throw new ConfigError('groups must be an array');
  const byId = new Map<string, GroupNode>();
  const all: GroupNode[] = [];
  const build = (
    raw: unknown,
    parent: GroupNode | null,
    where: string,
  ): GroupNode => {
    if (!isObject(raw)) throw new ConfigError(`${where} must be an object`);
    const name = requireString(raw.name, `${where}.name`);
    const id = optionalString(raw.id, `${where}.id`) ?? crypto.randomUUID();
    if (byId.has(id)) throw new ConfigError(`${where}.id ${id} is used twice`);
    const node: GroupNode = {
      id,
      name,
      description: optionalString(raw.description, `${where}.description`),
      attributes: (raw.attributes as Record<string, string[]>) ?? {},
      parent,
      path: `${parent ? parent.path : ''}/${name}`,
      children: [],
    };
    byId.set(id, node);
    all.push(node);
    const subs = raw.subGroups ?? [];
    if (!Array.isArray(subs))
      throw new ConfigError(`${where}.subGroups must be an array`);
    node.children = sortByName(
      subs.map((s, i) => build(s, node, `${where}.subGroups[${i}]`)),
    );
    return node;
  };
  const top = sortByName(
    rawGroups.map((g, i) => build(g, null, `groups[${i}]`)),
  );
  const siblings = new Set<string>();
  for (const g of all) {
    const key = `${g.parent?.id ?? ''}/${g.name}`;
    if (siblings.has(key))
      throw new ConfigError(
        `group name ${g.path} is used twice under the same parent`,
      );
    siblings.add(key);
  }
  return { top, all, byId };
}

/** Users, their group references resolved (a name anywhere in the tree, or a path). */
export function buildUsers(
  rawUsers: unknown = [],
  groups: GroupTree,
): StoredUser[] {
  if (!Array.isArray(rawUsers)) throw new ConfigError('users must be an array');
  const ids = new Set<string>();
  const usernames = new Set<string>();
  const users = rawUsers.map((raw: unknown, i): StoredUser => {
    const where = `users[${i}]`;
    if (!isObject(raw)) throw new ConfigError(`${where} must be an object`);
    const id = requireString(raw.id, `${where}.id`);
    // Keycloak stores usernames in lower case.
    const username = requireString(
      raw.username,
      `${where}.username`,
    ).toLowerCase();
    if (ids.has(id)) throw new ConfigError(`${where}.id ${id} is used twice`);
    if (usernames.has(username))
      throw new ConfigError(`${where}.username ${username} is used twice`);
    ids.add(id);
    usernames.add(username);
    const groupRefs = raw.groups ?? [];
    if (!Array.isArray(groupRefs))
      throw new ConfigError(`${where}.groups must be an array of group names`);
    const groupIds = new Set<string>();
    for (const ref of groupRefs as string[]) {
      const found = ref.startsWith('/')
        ? groups.all.filter(g => g.path === ref)
        : groups.all.filter(g => g.name === ref);
      if (found.length === 0)
        throw new ConfigError(
          `${where}.groups names ${ref}, which is not a group`,
        );
      if (found.length > 1) {
        throw new ConfigError(
          `${where}.groups names ${ref}, which matches ${found.length} groups; use its path`,
        );
      }
      groupIds.add(found[0].id);
    }
    return {
      id,
      username,
      email: optionalString(raw.email, `${where}.email`)?.toLowerCase(),
      firstName: optionalString(raw.firstName, `${where}.firstName`),
      lastName: optionalString(raw.lastName, `${where}.lastName`),
      password: optionalString(raw.password, `${where}.password`),
      enabled: raw.enabled !== false,
      emailVerified: raw.emailVerified !== false,
      attributes: raw.attributes as Record<string, string[]> | undefined,
      createdTimestamp:
        typeof raw.createdTimestamp === 'number'
          ? raw.createdTimestamp
          : Date.now(),
      groupIds,
    };
  });
  return sortBy(users, u => u.username);
}

/** Checks the config a test gives and fills in Keycloak's defaults. */
export function readConfig(config: FakeKeycloakConfig): ServerConfig {
  const raw = config as unknown as Unchecked;
  const realm = requireString(raw.realm, 'realm');
  const loginRealm = optionalString(raw.loginRealm, 'loginRealm') ?? realm;
  const clientId = requireString(raw.clientId, 'clientId');
  const clientSecret = requireString(raw.clientSecret, 'clientSecret');
  const redirectUris = raw.redirectUris ?? [];
  if (
    !Array.isArray(redirectUris) ||
    redirectUris.some(u => typeof u !== 'string')
  ) {
    throw new ConfigError('redirectUris must be an array of URLs');
  }
  for (const uri of redirectUris as string[]) {
    if (!URL.canParse(uri.replace(/\*$/, '')))
      throw new ConfigError(`redirectUris has ${uri}, which is not a URL`);
  }
  const serverVersion =
    optionalString(raw.serverVersion, 'serverVersion') ?? '26.4.0';
  const groups = buildGroups(raw.groups);
  const users = buildUsers(raw.users, groups);
  return {
    realm,
    loginRealm,
    clientId,
    clientSecret,
    redirectUris: redirectUris as string[],
    postLogoutRedirectUris: config.postLogoutRedirectUris ?? [],
    serverVersion,
    groups,
    users,
  };
}

const USER_ACCESS = {
  manageGroupMembership: true,
  view: true,
  mapRoles: true,
  impersonate: false,
  manage: true,
};
const GROUP_ACCESS = {
  view: true,
  viewMembers: true,
  manageMembers: true,
  manage: true,
  manageMembership: true,
};

/** A user as Keycloak 26 represents it, brief or full. */
export function userRep(user: StoredUser, brief: boolean) {
  const rep = {
    id: user.id,
    username: user.username,
    ...(user.firstName !== undefined && { firstName: user.firstName }),
    ...(user.lastName !== undefined && { lastName: user.lastName }),
    ...(user.email !== undefined && { email: user.email }),
    emailVerified: user.emailVerified,
    createdTimestamp: user.createdTimestamp,
    enabled: user.enabled,
  };
  if (brief) return rep;
  return {
    ...rep,
    ...(user.attributes && { attributes: user.attributes }),
    totp: false,
    disableableCredentialTypes: [],
    requiredActions: [],
    notBefore: 0,
    access: USER_ACCESS,
  };
}

/** The sub-groups a listing fills in, where it fills them in. */
export type SubGroupsOf = (group: GroupNode) => GroupNode[];

/**
 * A group as Keycloak 23+ lists it: subGroups are not filled in (callers page
 * through /children using subGroupCount), unless `withSubGroups` (Keycloak 22
 * and earlier returned the whole tree, and searches return the matching branches).
 */
export function groupRep(
  group: GroupNode,
  brief: boolean,
  withSubGroups?: SubGroupsOf,
): Record<string, unknown> {
  const rep = {
    id: group.id,
    name: group.name,
    ...(group.description !== undefined && { description: group.description }),
    path: group.path,
    ...(group.parent && { parentId: group.parent.id }),
    subGroupCount: group.children.length,
    subGroups: withSubGroups
      ? withSubGroups(group).map(c => groupRep(c, brief, withSubGroups))
      : [],
  };
  if (brief) return { ...rep, access: GROUP_ACCESS };
  return {
    ...rep,
    attributes: group.attributes,
    realmRoles: [],
    clientRoles: {},
    access: GROUP_ACCESS,
  };
}
