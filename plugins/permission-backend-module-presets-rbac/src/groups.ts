import { AuthService } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_CHILD_OF,
  RELATION_MEMBER_OF,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';

/** Options of {@link createGroupResolver}. */
export interface GroupResolverOptions {
  catalog: CatalogService;
  auth: AuthService;
  /** Levels of parent groups followed above a person's own groups; undefined: all. */
  maxDepth?: number;
  /** How long one person's groups are reused, in ms. */
  cacheTtlMs?: number;
}

/** Resolves a person's groups, their own and the parents above them. */
export type GroupResolver = (userRef: string) => Promise<string[]>;

function relationTargets(entity: Entity | undefined, type: string): string[] {
  return (entity?.relations ?? [])
    .filter(r => r.type === type)
    .map(r => r.targetRef.toLocaleLowerCase('en-US'));
}

/**
 * A person's groups as the catalog knows them now: the user entity's
 * memberOf relations plus every parent group (childOf) up to `maxDepth`
 * levels. Read from the catalog, not from the sign-in token, so that a
 * person removed from a group in the directory loses its roles once the
 * org sync has run, even with a session still open. A short cache keeps a
 * page that asks for many decisions at once from reading the catalog for
 * each.
 */
export function createGroupResolver(
  options: GroupResolverOptions,
): GroupResolver {
  const { catalog, auth, maxDepth } = options;
  const ttl = options.cacheTtlMs ?? 5_000;
  const cache = new Map<string, { at: number; groups: Promise<string[]> }>();

  async function lookUp(userRef: string): Promise<string[]> {
    const credentials = await auth.getOwnServiceCredentials();
    const user = await catalog.getEntityByRef(userRef, { credentials });
    const found = new Set<string>();
    let frontier = relationTargets(user, RELATION_MEMBER_OF);
    // Depth 0 is a person's own groups; a cycle in the directory ends
    // where a group is met twice.
    for (let depth = 0; frontier.length > 0; depth++) {
      frontier = frontier.filter(ref => !found.has(ref));
      frontier.forEach(ref => found.add(ref));
      if (
        frontier.length === 0 ||
        (maxDepth !== undefined && depth >= maxDepth)
      ) {
        break;
      }
      const { items } = await catalog.getEntitiesByRefs(
        { entityRefs: frontier, fields: ['kind', 'metadata', 'relations'] },
        { credentials },
      );
      frontier = items.flatMap(g => relationTargets(g, RELATION_CHILD_OF));
    }
    return [...found].filter(ref => ref.startsWith('group:')).sort();
  }

  return userRef => {
    const now = Date.now();
    for (const [key, entry] of cache) {
      if (now - entry.at > ttl) cache.delete(key);
    }
    const hit = cache.get(userRef);
    if (hit) {
      return hit.groups;
    }
    const groups = lookUp(userRef);
    cache.set(userRef, { at: now, groups });
    // A failed read is not remembered: the next decision tries again.
    groups.catch(() => cache.delete(userRef));
    return groups;
  };
}
