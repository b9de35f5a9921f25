/*
 * The state of the fake GitLab instance: users, groups with their direct
 * members, projects with the files of their default branch, and the access
 * rules GitLab applies to them. The HTTP layers (REST, GraphQL, sign-in)
 * only translate between this and GitLab's wire formats.
 */
import { createHash } from 'crypto';

/** GitLab's visibility levels; the fake defaults to `private`, as an instance with sign-up disabled does. */
export type FakeGitLabVisibility = 'private' | 'internal' | 'public';

/** A GitLab user account. */
export interface FakeGitLabUser {
  id: number;
  username: string;
  /** Full name. */
  name: string;
  /** Primary email: GitLab shows it to the user themself only (`GET /user`). */
  email: string;
  /** The email on the public profile; GraphQL's `publicEmail`. Defaults to none. */
  publicEmail?: string;
  /** Without a password the account cannot sign in on the web form. */
  password?: string;
  /** Defaults to `active`; a blocked user can neither sign in nor be listed as active. */
  state?: 'active' | 'blocked' | 'deactivated';
  /** Administrators see every group and project. */
  isAdmin?: boolean;
}

/** A group or subgroup; its parent follows from the path. */
export interface FakeGitLabGroup {
  id: number;
  /** Full path, e.g. `acme/platform`; the parent (`acme`) must exist too. */
  fullPath: string;
  /** Display name; defaults to the last path segment. */
  name?: string;
  description?: string;
  visibility?: FakeGitLabVisibility;
  /** Usernames of the direct members (GitLab's Developer role). */
  members?: string[];
}

/** A project (repository) in a group. */
export interface FakeGitLabProject {
  id: number;
  /** e.g. `acme/platform/payments`; the namespace must be one of the groups. */
  pathWithNamespace: string;
  /** Defaults to the last path segment. */
  name?: string;
  description?: string;
  /** Defaults to `main`; null is an empty repository. */
  defaultBranch?: string | null;
  archived?: boolean;
  visibility?: FakeGitLabVisibility;
  topics?: string[];
  /** Files on the default branch, by path (`catalog-info.yaml`, `docs/index.md`). */
  files?: Record<string, string>;
}

/** Who is calling: a token's owner and its scopes, or nobody. */
export interface Actor {
  user: FakeGitLabUser;
  scopes: string[];
}

/** The relations GraphQL's `groupMembers(relations:)` accepts. */
export const GROUP_MEMBER_RELATIONS = [
  'DIRECT',
  'INHERITED',
  'DESCENDANTS',
  'SHARED_FROM_GROUPS',
  'SHARED_INTO_ANCESTORS',
] as const;

/** One of {@link GROUP_MEMBER_RELATIONS}. */
export type GroupMemberRelation = (typeof GROUP_MEMBER_RELATIONS)[number];

/** Fixed, so that entities built from the fake do not change between runs. */
export const CREATED_AT = '2024-03-01T09:00:00.000Z';

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The parent path of a group or project path, or undefined at the top. */
export function parentPath(path: string): string | undefined {
  const at = path.lastIndexOf('/');
  return at < 0 ? undefined : path.slice(0, at);
}

/** Display name of a group or project: its own, or its last path segment. */
export function displayName(item: {
  name?: string;
  fullPath?: string;
  pathWithNamespace?: string;
}): string {
  return item.name ?? lastSegment(item.fullPath ?? item.pathWithNamespace!);
}

/** Throws when the fixture could not exist in GitLab (a subgroup without its parent, a member without an account). */
function validate(
  users: FakeGitLabUser[],
  groups: FakeGitLabGroup[],
  projects: FakeGitLabProject[],
) {
  const paths = new Set(groups.map(g => g.fullPath));
  const usernames = new Set(users.map(u => u.username));
  for (const group of groups) {
    const parent = parentPath(group.fullPath);
    if (parent !== undefined && !paths.has(parent)) {
      throw new Error(
        `fake GitLab: group ${group.fullPath} has no parent group ${parent}`,
      );
    }
    for (const member of group.members ?? []) {
      if (!usernames.has(member)) {
        throw new Error(
          `fake GitLab: member ${member} of ${group.fullPath} is no user`,
        );
      }
    }
  }
  for (const project of projects) {
    if (!paths.has(parentPath(project.pathWithNamespace) ?? '')) {
      throw new Error(
        `fake GitLab: project ${project.pathWithNamespace} is in no known group`,
      );
    }
  }
}

/** The users, groups and projects of the fake instance, and GitLab's rules over them. */
export class GitLabState {
  private users: FakeGitLabUser[] = [];
  private groups: FakeGitLabGroup[] = [];
  private projects: FakeGitLabProject[] = [];
  /** Bumped on every change: commit ids change with the content, as in git. */
  private revision = 0;

  constructor(initial: {
    users: FakeGitLabUser[];
    groups: FakeGitLabGroup[];
    projects: FakeGitLabProject[];
  }) {
    this.replace(initial);
  }

  /** Replaces any of the three lists; validates the result as a whole before applying it. */
  replace(next: {
    users?: FakeGitLabUser[];
    groups?: FakeGitLabGroup[];
    projects?: FakeGitLabProject[];
  }): void {
    const users = next.users ?? this.users;
    const groups = next.groups ?? this.groups;
    const projects = next.projects ?? this.projects;
    validate(users, groups, projects);
    this.users = structuredClone(users);
    this.groups = structuredClone(groups);
    this.projects = structuredClone(projects);
    this.revision++;
  }

  /** Sets the direct members of one group. */
  setGroupMembers(fullPath: string, usernames: string[]): void {
    this.replace({
      groups: this.groups.map(g =>
        g.fullPath === fullPath ? { ...g, members: usernames } : g,
      ),
    });
  }

  userById(id: number): FakeGitLabUser | undefined {
    return this.users.find(u => u.id === id);
  }

  /** By username or primary email, as GitLab's sign-in form accepts either. */
  userByLogin(login: string): FakeGitLabUser | undefined {
    const wanted = login.toLowerCase();
    return this.users.find(
      u =>
        u.username.toLowerCase() === wanted || u.email.toLowerCase() === wanted,
    );
  }

  allUsers(): FakeGitLabUser[] {
    return [...this.users].sort((a, b) => a.id - b.id);
  }

  /** A group by numeric id or full path (GitLab's `:id` is either; paths compare case-insensitively). */
  group(idOrPath: string): FakeGitLabGroup | undefined {
    if (/^\d+$/.test(idOrPath)) {
      return this.groups.find(g => g.id === Number(idOrPath));
    }
    const wanted = idOrPath.toLowerCase();
    return this.groups.find(g => g.fullPath.toLowerCase() === wanted);
  }

  groupByPath(fullPath: string): FakeGitLabGroup | undefined {
    return this.groups.find(g => g.fullPath === fullPath);
  }

  allGroups(): FakeGitLabGroup[] {
    return [...this.groups].sort((a, b) => a.id - b.id);
  }

  /** Every group below this one, at any depth. */
  descendants(group: FakeGitLabGroup): FakeGitLabGroup[] {
    return this.allGroups().filter(g =>
      g.fullPath.startsWith(`${group.fullPath}/`),
    );
  }

  /** The groups above this one, nearest first. */
  ancestors(group: FakeGitLabGroup): FakeGitLabGroup[] {
    const result: FakeGitLabGroup[] = [];
    for (let p = parentPath(group.fullPath); p; p = parentPath(p)) {
      result.push(this.groupByPath(p)!);
    }
    return result;
  }

  /** A project by numeric id or full path. */
  project(idOrPath: string): FakeGitLabProject | undefined {
    if (/^\d+$/.test(idOrPath)) {
      return this.projects.find(p => p.id === Number(idOrPath));
    }
    const wanted = idOrPath.toLowerCase();
    return this.projects.find(
      p => p.pathWithNamespace.toLowerCase() === wanted,
    );
  }

  /** Projects of a group; with subgroups, those of every descendant too. */
  projectsOf(
    group: FakeGitLabGroup,
    includeSubgroups: boolean,
  ): FakeGitLabProject[] {
    return this.projects.filter(p => {
      const namespace = parentPath(p.pathWithNamespace)!;
      return (
        namespace === group.fullPath ||
        (includeSubgroups && namespace.startsWith(`${group.fullPath}/`))
      );
    });
  }

  namespaceOf(project: FakeGitLabProject): FakeGitLabGroup {
    return this.groupByPath(parentPath(project.pathWithNamespace)!)!;
  }

  private directMembers(group: FakeGitLabGroup): FakeGitLabUser[] {
    return (group.members ?? []).map(
      name => this.users.find(u => u.username === name)!,
    );
  }

  /**
   * Members of a group by relation, each user once, as GraphQL's
   * `groupMembers(relations:)` lists them. This fake has no group sharing,
   * so the SHARED_* relations add nobody.
   */
  membersByRelation(
    group: FakeGitLabGroup,
    relations: GroupMemberRelation[],
  ): FakeGitLabUser[] {
    const sources: FakeGitLabGroup[] = [];
    if (relations.includes('DIRECT')) sources.push(group);
    if (relations.includes('INHERITED')) sources.push(...this.ancestors(group));
    if (relations.includes('DESCENDANTS'))
      sources.push(...this.descendants(group));
    return uniqueUsers(sources.flatMap(g => this.directMembers(g)));
  }

  /**
   * `GET /groups/:id/members/all`: direct members and those inherited from
   * ancestor groups (GitLab documents it so; members of subgroups are not
   * members of the parent).
   */
  allMembers(group: FakeGitLabGroup): FakeGitLabUser[] {
    return this.membersByRelation(group, ['DIRECT', 'INHERITED']);
  }

  /** Whether the user is a member of the group or of a group above or below it, which lets them see it. */
  private isMemberAround(user: FakeGitLabUser, group: FakeGitLabGroup) {
    return [group, ...this.ancestors(group), ...this.descendants(group)].some(
      g => (g.members ?? []).includes(user.username),
    );
  }

  /** GitLab's read permission on a group. */
  canSeeGroup(actor: Actor | undefined, group: FakeGitLabGroup): boolean {
    const visibility = group.visibility ?? 'private';
    if (visibility === 'public') return true;
    if (!actor) return false;
    return (
      visibility === 'internal' ||
      actor.user.isAdmin === true ||
      this.isMemberAround(actor.user, group)
    );
  }

  /** GitLab's read permission on a project: like its namespace's, for members of the namespace. */
  canSeeProject(actor: Actor | undefined, project: FakeGitLabProject): boolean {
    const visibility = project.visibility ?? 'private';
    if (visibility === 'public') return true;
    if (!actor) return false;
    if (visibility === 'internal' || actor.user.isAdmin) return true;
    const namespace = this.namespaceOf(project);
    return [namespace, ...this.ancestors(namespace)].some(g =>
      (g.members ?? []).includes(actor.user.username),
    );
  }

  /** A stable commit sha for a project's branch in the current revision. */
  commitId(project: FakeGitLabProject): string {
    return sha1(`${project.id}:${project.defaultBranch}:${this.revision}`);
  }
}

function uniqueUsers(users: FakeGitLabUser[]): FakeGitLabUser[] {
  return [...new Map(users.map(u => [u.id, u])).values()].sort(
    (a, b) => a.id - b.id,
  );
}

/** Hex SHA-1, the shape of git's blob and commit ids. */
export function sha1(content: string): string {
  return createHash('sha1').update(content).digest('hex');
}

/** Hex SHA-256, as GitLab's `content_sha256`. */
export function sha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The default branch of a project: `main` unless set, null for an empty repository. */
export function defaultBranchOf(project: FakeGitLabProject): string | null {
  return project.defaultBranch === undefined ? 'main' : project.defaultBranch;
}
