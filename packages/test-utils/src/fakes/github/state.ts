/*
 * What the fake GitHub knows: accounts, one organization with its members,
 * teams and repositories, and optionally further organizations that hold
 * nothing (for syncs scoped to several organizations). Users are kept by node id, as GitHub does, so a
 * renamed login keeps its id, teams and sessions, and a new account that
 * takes a freed login gets a new id.
 */
import { createHash } from 'crypto';

/** A GitHub account. */
export interface FakeGithubUserInput {
  login: string;
  /** The GraphQL node id (REST `node_id`); generated like GitHub's `U_kgDO…` when omitted. */
  nodeId?: string;
  /** The numeric REST `id` (GraphQL `databaseId`); generated when omitted. */
  id?: number;
  name?: string;
  /** The public email, as REST `/user` and GraphQL `User.email` show it. */
  email?: string;
  bio?: string;
  /** Without a password the account cannot sign in (but is still synced). */
  password?: string;
}

/** An organization on the instance. */
export interface StoredOrg {
  login: string;
  nodeId: string;
  databaseId: number;
}

/** A team of the organization. */
export interface FakeGithubTeamInput {
  slug: string;
  /** Defaults to the slug. */
  name?: string;
  description?: string;
  /** The parent team's slug. */
  parent?: string;
  /** Logins of the team's direct members. */
  members: string[];
}

/** A repository of the organization. */
export interface FakeGithubRepositoryInput {
  name: string;
  /** Defaults to `main`; `null` for an empty repository (no commits). */
  defaultBranch?: string | null;
  /** File contents on the default branch, by path without a leading slash. */
  files?: Record<string, string>;
  archived?: boolean;
  fork?: boolean;
  /** Defaults to `private`. */
  visibility?: 'public' | 'private' | 'internal';
  topics?: string[];
}

/** A GitHub account as the fake stores it. */
export interface StoredUser {
  nodeId: string;
  databaseId: number;
  login: string;
  name: string | null;
  email: string | null;
  bio: string | null;
  password?: string;
  createdAt: string;
}

/** A team as the fake stores it; members by node id. */
export interface StoredTeam {
  nodeId: string;
  databaseId: number;
  slug: string;
  name: string;
  description: string | null;
  parentSlug: string | null;
  memberIds: string[];
}

/** A repository as the fake stores it. */
export interface StoredRepository {
  nodeId: string;
  databaseId: number;
  name: string;
  defaultBranch: string | null;
  files: Map<string, string>;
  archived: boolean;
  fork: boolean;
  visibility: 'public' | 'private' | 'internal';
  topics: string[];
}

/** GitHub's new-style global node ids: a type prefix and an opaque base64 tail. */
function nodeId(prefix: string, databaseId: number): string {
  const tail = Buffer.from(`0:${databaseId}`).toString('base64url');
  return `${prefix}_kgDO${tail}`;
}

/** The git blob sha of a file's contents, as GitHub reports it. */
export function blobSha(content: string): string {
  const body = Buffer.from(content, 'utf8');
  return createHash('sha1')
    .update(`blob ${body.length}\0`)
    .update(body)
    .digest('hex');
}

/** The fake's data, with the changes tests make at run time. */
export class GithubState {
  readonly org: StoredOrg;
  /** Further organizations on the instance: no members, teams or repositories. */
  readonly otherOrgs: StoredOrg[];
  private nextId = 1000;
  private readonly users = new Map<string, StoredUser>();
  private members: string[] = [];
  private teams: StoredTeam[] = [];
  private repositories: StoredRepository[] = [];

  constructor(orgLogin: string, otherOrgLogins: string[] = []) {
    const newOrg = (login: string): StoredOrg => {
      const databaseId = this.newDatabaseId();
      return { login, databaseId, nodeId: nodeId('O', databaseId) };
    };
    this.org = newOrg(orgLogin);
    this.otherOrgs = otherOrgLogins.map(newOrg);
  }

  /** The organization with this login (case-insensitive), if any. */
  orgByLogin(login: string): StoredOrg | undefined {
    return [this.org, ...this.otherOrgs].find(
      o => o.login.toLowerCase() === login.toLowerCase(),
    );
  }

  private newDatabaseId(): number {
    return this.nextId++;
  }

  /** Adds an account; throws if the login or id is taken (logins compare case-insensitively). */
  addUser(
    input: FakeGithubUserInput,
    options: { member: boolean },
  ): StoredUser {
    if (this.userByLogin(input.login)) {
      throw new Error(`the login ${input.login} is taken`);
    }
    const databaseId = input.id ?? this.newDatabaseId();
    const user: StoredUser = {
      nodeId: input.nodeId ?? nodeId('U', databaseId),
      databaseId,
      login: input.login,
      name: input.name ?? null,
      email: input.email ?? null,
      bio: input.bio ?? null,
      password: input.password,
      createdAt: new Date(Date.UTC(2020, 0, 1))
        .toISOString()
        .replace('.000', ''),
    };
    if (this.users.has(user.nodeId)) {
      throw new Error(`the node id ${user.nodeId} is taken`);
    }
    this.users.set(user.nodeId, user);
    if (options.member) this.members.push(user.nodeId);
    return user;
  }

  /** Renames an account; its node id, memberships and tokens stay. */
  renameUser(login: string, newLogin: string): void {
    const user = this.requireUser(login);
    if (this.userByLogin(newLogin)) {
      throw new Error(`the login ${newLogin} is taken`);
    }
    user.login = newLogin;
  }

  userByLogin(login: string): StoredUser | undefined {
    const wanted = login.toLowerCase();
    return [...this.users.values()].find(u => u.login.toLowerCase() === wanted);
  }

  userById(id: string): StoredUser | undefined {
    return this.users.get(id);
  }

  private requireUser(login: string): StoredUser {
    const user = this.userByLogin(login);
    if (!user) throw new Error(`no GitHub account has the login ${login}`);
    return user;
  }

  /** The organization's members, in the order they joined. */
  orgMembers(): StoredUser[] {
    return this.members.map(id => this.users.get(id)!);
  }

  isOrgMember(user: StoredUser): boolean {
    return this.members.includes(user.nodeId);
  }

  /** Replaces the teams; members are given by login. */
  setTeams(teams: FakeGithubTeamInput[]): void {
    const previous = new Map(this.teams.map(t => [t.slug, t]));
    this.teams = teams.map(team => {
      const databaseId =
        previous.get(team.slug)?.databaseId ?? this.newDatabaseId();
      return {
        nodeId: nodeId('T', databaseId),
        databaseId,
        slug: team.slug,
        name: team.name ?? team.slug,
        description: team.description ?? null,
        parentSlug: team.parent ?? null,
        memberIds: team.members.map(login => this.requireUser(login).nodeId),
      };
    });
  }

  orgTeams(): StoredTeam[] {
    return this.teams;
  }

  teamBySlug(slug: string): StoredTeam | undefined {
    return this.teams.find(t => t.slug === slug);
  }

  /** Replaces the repositories. */
  setRepositories(repositories: FakeGithubRepositoryInput[]): void {
    const previous = new Map(this.repositories.map(r => [r.name, r]));
    this.repositories = repositories.map(repo =>
      this.storedRepository(
        repo,
        previous.get(repo.name)?.databaseId ?? this.newDatabaseId(),
      ),
    );
  }

  /** Adds a repository, as the API's repository creation does; undefined when the name is taken. */
  addRepository(repo: FakeGithubRepositoryInput): StoredRepository | undefined {
    if (this.repository(this.org.login, repo.name)) return undefined;
    const stored = this.storedRepository(repo, this.newDatabaseId());
    this.repositories.push(stored);
    return stored;
  }

  private storedRepository(
    repo: FakeGithubRepositoryInput,
    databaseId: number,
  ): StoredRepository {
    return {
      nodeId: nodeId('R', databaseId),
      databaseId,
      name: repo.name,
      defaultBranch:
        repo.defaultBranch === undefined ? 'main' : repo.defaultBranch,
      files: new Map(Object.entries(repo.files ?? {})),
      archived: repo.archived ?? false,
      fork: repo.fork ?? false,
      visibility: repo.visibility ?? 'private',
      topics: repo.topics ?? [],
    };
  }

  orgRepositories(): StoredRepository[] {
    return this.repositories;
  }

  repository(owner: string, name: string): StoredRepository | undefined {
    if (owner.toLowerCase() !== this.org.login.toLowerCase()) return undefined;
    return this.repositories.find(
      r => r.name.toLowerCase() === name.toLowerCase(),
    );
  }
}
