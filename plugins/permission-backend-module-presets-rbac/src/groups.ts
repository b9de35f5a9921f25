import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
  RELATION_CHILD_OF,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
  stringifyLocationRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';

/** Options of {@link createGroupResolver}. */
export interface GroupResolverOptions {
  catalog: CatalogService;
  auth: AuthService;
  /** Told once per entity when org data is ignored, so its author can be found. */
  logger?: LoggerService;
  /** Levels of parent groups followed above a person's own groups; undefined: all. */
  maxDepth?: number;
  /** How long one person's groups are reused, in ms. */
  cacheTtlMs?: number;
}

/**
 * Resolves a person's groups, their own and the parents above them.
 *
 * @public
 */
export type GroupResolver = (userRef: string) => Promise<string[]>;

function relationTargets(entity: Entity | undefined, type: string): string[] {
  return (entity?.relations ?? [])
    .filter(r => r.type === type)
    .map(r => r.targetRef.toLocaleLowerCase('en-US'));
}

function refOf(entity: Entity): string {
  return stringifyEntityRef(entity).toLocaleLowerCase('en-US');
}

/**
 * The origin of an entity that came from a location someone registered
 * through the catalog API, or undefined for org data the operator set up:
 * an org-sync provider's entities, and those of `catalog.locations` in
 * app-config, never have a registered location as their origin.
 */
function registeredOrigin(
  entity: Entity,
  registered: ReadonlySet<string>,
): string | undefined {
  const origin = entity.metadata.annotations?.[ANNOTATION_ORIGIN_LOCATION];
  return origin !== undefined && registered.has(origin) ? origin : undefined;
}

/**
 * A person's groups as the catalog knows them now: the user entity's
 * memberOf relations plus every parent group (childOf) up to `maxDepth`
 * levels. Read from the catalog, not from the sign-in token, so that a
 * person removed from a group in the directory loses its roles once the
 * org sync has run, even with a session still open. A short cache keeps a
 * page that asks for many decisions at once from reading the catalog for
 * each.
 *
 * Only org data the operator set up decides permissions. Whoever may
 * register a location could otherwise write a Group into it that names
 * themselves a member and an admin group its parent (or a User that claims
 * membership): a User or Group whose origin is a location registered
 * through the catalog API, and every relation it brings, is ignored here
 * whatever `catalog.rules` allow.
 */
export function createGroupResolver(
  options: GroupResolverOptions,
): GroupResolver {
  const { catalog, auth, logger, maxDepth } = options;
  const ttl = options.cacheTtlMs ?? 5_000;
  const cache = new Map<string, { at: number; groups: Promise<string[]> }>();
  const warned = new Set<string>();

  function trusted(entity: Entity, registered: ReadonlySet<string>): boolean {
    const origin = registeredOrigin(entity, registered);
    if (origin === undefined) {
      return true;
    }
    const ref = refOf(entity);
    if (!warned.has(ref)) {
      warned.add(ref);
      logger?.warn(
        `RBAC ignores ${ref} for permission decisions: it comes from ${origin}, a location registered through the catalog API. Users and groups that grant permissions come from the org sync or from catalog.locations in app-config.`,
      );
    }
    return false;
  }

  async function lookUp(userRef: string): Promise<string[]> {
    const credentials = await auth.getOwnServiceCredentials();
    const [user, locations] = await Promise.all([
      catalog.getEntityByRef(userRef, { credentials }),
      catalog.getLocations({}, { credentials }),
    ]);
    const registered = new Set(
      locations.items.map(l => stringifyLocationRef(l)),
    );
    if (!user || !trusted(user, registered)) {
      return [];
    }
    const found = new Set<string>();
    let frontier = relationTargets(user, RELATION_MEMBER_OF);
    // Depth 0 is a person's own groups; a cycle in the directory ends
    // where a group is met twice. Each group is read before it counts:
    // its origin decides, not the relation that names it.
    for (let depth = 0; ; depth++) {
      frontier = [...new Set(frontier)].filter(
        ref => ref.startsWith('group:') && !found.has(ref),
      );
      if (frontier.length === 0) {
        break;
      }
      const { items } = await catalog.getEntitiesByRefs(
        { entityRefs: frontier, fields: ['kind', 'metadata', 'relations'] },
        { credentials },
      );
      const groups = items.filter(
        (g): g is Entity => !!g && trusted(g, registered),
      );
      groups.forEach(g => found.add(refOf(g)));
      if (maxDepth !== undefined && depth >= maxDepth) {
        break;
      }
      frontier = groups.flatMap(g => relationTargets(g, RELATION_CHILD_OF));
    }
    return [...found].sort();
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
