import { RootConfigService as Config } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { PresetProblem, splitList } from '@devportal/plugin-presets-common';
import { isAbsolute, resolve } from 'path';

/**
 * The rbac policy's configuration, read from `permission.rbac`.
 *
 * @public
 */
export interface RbacConfig {
  /** Admin user and group refs, lower case (`group:default/platform`). */
  admins: string[];
  /** Absolute path of the policy CSV, when one is set. */
  policiesFile?: string;
  /** Levels of parent groups followed above a person's own groups; undefined: all. */
  maxDepth?: number;
  /** Whether owners may update and delete the catalog entities they own. */
  ownersEditOwned: boolean;
}

const ADMIN_KEY = 'permission.rbac.admin.users';
const FILE_KEY = 'permission.rbac.policies-csv-file';
const DEPTH_KEY = 'permission.rbac.maxDepth';

/**
 * Entity refs compare case-insensitively in the catalog; keeping them in
 * lower case lets every comparison here be a plain string match.
 */
export function normalizeRef(ref: string): string {
  return stringifyEntityRef(
    parseEntityRef(ref.trim(), { defaultNamespace: 'default' }),
  ).toLocaleLowerCase('en-US');
}

/** A user or group ref, or undefined when the text is neither. */
export function parseMemberRef(text: string): string | undefined {
  try {
    const ref = normalizeRef(text);
    return /^(user|group):/.test(ref) ? ref : undefined;
  } catch {
    return undefined;
  }
}

function readAdmins(config: Config, problems: PresetProblem[]): string[] {
  const entries = config.getOptionalConfigArray(ADMIN_KEY) ?? [];
  const admins: string[] = [];
  entries.forEach((entry, index) => {
    // One entry may carry a comma-separated list, so that the preset can
    // pass RBAC_ADMINS through a single `name: ${RBAC_ADMINS}`.
    for (const name of splitList(entry.getString('name'))) {
      const ref = parseMemberRef(name);
      if (ref) {
        admins.push(ref);
      } else {
        problems.push({
          kind: 'invalid-config',
          message: `${ADMIN_KEY}[${index}].name (RBAC_ADMINS) holds "${name}", which is not a user or group ref`,
          hint: 'write each admin as user:<namespace>/<name> or group:<namespace>/<name>, e.g. group:default/platform, separated by commas',
        });
      }
    }
  });
  if (entries.length > 0 && admins.length === 0 && problems.length === 0) {
    problems.push({
      kind: 'invalid-config',
      message: `${ADMIN_KEY} (RBAC_ADMINS) names no admin`,
      hint: 'set RBAC_ADMINS to at least one user or group ref, e.g. group:default/platform',
    });
  }
  return [...new Set(admins)];
}

function readMaxDepth(
  config: Config,
  problems: PresetProblem[],
): number | undefined {
  let depth: number | undefined;
  try {
    depth = config.getOptionalNumber(DEPTH_KEY);
  } catch {
    depth = NaN;
  }
  if (depth !== undefined && !(Number.isInteger(depth) && depth >= 0)) {
    problems.push({
      kind: 'invalid-config',
      message: `${DEPTH_KEY} (RBAC_MAX_DEPTH) must be a whole number, 0 or more`,
      hint: 'set RBAC_MAX_DEPTH to e.g. 3, or unset it to follow every level of parent groups',
    });
    return undefined;
  }
  return depth;
}

/**
 * Where a relative path points: the directory the operator ran the start
 * command in (npm records it as INIT_CWD), not the backend package folder
 * the process runs in.
 */
function resolveFromStartDir(file: string): string {
  return isAbsolute(file)
    ? file
    : resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

/**
 * Reads `permission.rbac`. Every mistake is collected as a problem for the
 * boot gate's report instead of stopping at the first one.
 *
 * @public
 */
export function readRbacConfig(config: Config): {
  config: RbacConfig;
  problems: PresetProblem[];
} {
  const problems: PresetProblem[] = [];
  const admins = readAdmins(config, problems);
  const file = config.getOptionalString(FILE_KEY)?.trim();
  return {
    config: {
      admins,
      policiesFile: file ? resolveFromStartDir(file) : undefined,
      maxDepth: readMaxDepth(config, problems),
      ownersEditOwned:
        config.getOptionalBoolean('permission.rbac.ownersEditOwned') ?? false,
    },
    problems,
  };
}
