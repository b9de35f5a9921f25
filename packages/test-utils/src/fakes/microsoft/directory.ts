/*
 * The tenant's directory as the fake Microsoft serves it: users and groups
 * with the properties Graph returns for them.
 */

/** A user of the tenant, with the password the sign-in page accepts. */
export interface EntraUser {
  /** Object id (a GUID), Graph's `id`. */
  id: string;
  userPrincipalName: string;
  mail?: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  jobTitle?: string;
  password: string;
  /** Disabled accounts are listed by Graph but cannot sign in. */
  accountEnabled?: boolean;
  /** JPEG bytes of the profile photo; Graph answers 404 ImageNotFound without one. */
  photo?: Buffer;
}

/** A group of the tenant; `members` are object ids of users or groups. */
export interface EntraGroup {
  id: string;
  displayName: string;
  mailNickname?: string;
  description?: string;
  mail?: string;
  securityEnabled?: boolean;
  members: string[];
}

/** Everything the tenant holds. */
export interface EntraDirectory {
  users: EntraUser[];
  groups: EntraGroup[];
}

/** The properties Graph returns for a user when the request has no `$select`. */
export const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'id',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
];

/** A user as a Graph resource: every property it has, null where unset. */
export function userResource(user: EntraUser): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.user',
    id: user.id,
    accountEnabled: user.accountEnabled ?? true,
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName ?? null,
    jobTitle: user.jobTitle ?? null,
    mail: user.mail ?? null,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname ?? null,
    userPrincipalName: user.userPrincipalName,
  };
}

/** A group as a Graph resource. */
export function groupResource(group: EntraGroup): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: group.id,
    displayName: group.displayName,
    description: group.description ?? null,
    mail: group.mail ?? null,
    mailEnabled: Boolean(group.mail),
    mailNickname: group.mailNickname ?? group.displayName,
    securityEnabled: group.securityEnabled ?? true,
    groupTypes: [],
  };
}

/**
 * The properties a Graph list returns: `$select`ed ones (plus `@odata.type`,
 * which members lists always carry), or the defaults for users.
 */
export function selectProperties(
  resource: Record<string, unknown>,
  select: string[] | undefined,
  defaults: string[] | undefined,
): Record<string, unknown> {
  const wanted = select ?? defaults;
  if (!wanted) {
    const { '@odata.type': _type, ...all } = resource;
    return all;
  }
  const lower = new Map(Object.keys(resource).map(k => [k.toLowerCase(), k]));
  return Object.fromEntries(
    wanted
      .map(name => lower.get(name.toLowerCase()))
      .filter((key): key is string => key !== undefined)
      .map(key => [key, resource[key]]),
  );
}
