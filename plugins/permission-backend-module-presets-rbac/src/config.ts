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
const POLICY_FILE_KEY = 'permission.rbac.policies-csv-file';
const DEPTH_KEY = 'permission.rbac.maxDepth';

/**
 * The environment variables a config key is set from, when the backend
 * knows them (the selected presets map them to keys: `configKeyVariables`
 * of `@devportal/plugin-presets-node`); messages name them beside the key.
 *
 * @public
 */
export type ConfigKeyVariables = (key: string) => string[];

/** What an operator may set for a key: its variables when known, else the key. */
function setting(key: string, variablesOf?: ConfigKeyVariables): string {
  return variablesOf?.(key).join(' or ') || key;
}

/** A key as a message names it: with its variables, in parentheses, when known. */
function named(key: string, variablesOf?: ConfigKeyVariables): string {
  const variables = variablesOf?.(key) ?? [];
  return variables.length ? `${key} (${variables.join(', ')})` : key;
}

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

function readAdmins(
  config: Config,
  problems: PresetProblem[],
  variablesOf?: ConfigKeyVariables,
): string[] {
  const entries = config.getOptionalConfigArray(ADMIN_KEY) ?? [];
  const admins: string[] = [];
  entries.forEach((entry, index) => {
    // One entry may carry a comma-separated list, so that a preset can
    // pass one variable through a single `name: ${VARIABLE}`.
    const key = `${ADMIN_KEY}[${index}].name`;
    for (const name of splitList(entry.getString('name'))) {
      const ref = parseMemberRef(name);
      if (ref) {
        admins.push(ref);
      } else {
        problems.push({
          kind: 'invalid-config',
          message: `${named(
            key,
            variablesOf,
          )} holds "${name}", which is not a user or group ref`,
          hint: 'write each admin as user:<namespace>/<name> or group:<namespace>/<name>, e.g. group:default/platform, separated by commas',
        });
      }
    }
  });
  if (entries.length > 0 && admins.length === 0 && problems.length === 0) {
    problems.push({
      kind: 'invalid-config',
      message: `${named(ADMIN_KEY, variablesOf)} names no admin`,
      hint: `set ${setting(
        ADMIN_KEY,
        variablesOf,
      )} to at least one user or group ref, e.g. group:default/platform`,
    });
  }
  return [...new Set(admins)];
}

function readMaxDepth(
  config: Config,
  problems: PresetProblem[],
  variablesOf?: ConfigKeyVariables,
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
      message: `${named(
        DEPTH_KEY,
        variablesOf,
      )} must be a whole number, 0 or more`,
      hint: `set ${setting(
        DEPTH_KEY,
        variablesOf,
      )} to e.g. 3, or unset it to follow every level of parent groups`,
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
/**
 * How a problem of the policy file names where it was set: the key and the
 * variables it is set from, when known.
 */
export function policyFileSetting(variablesOf?: ConfigKeyVariables): {
  key: string;
  set: string;
} {
  const variables = variablesOf?.(POLICY_FILE_KEY) ?? [];
  return {
    key: [POLICY_FILE_KEY, ...variables].join(', '),
    set: setting(POLICY_FILE_KEY, variablesOf),
  };
}

function resolveFromStartDir(file: string): string {
  return isAbsolute(file)
    ? file
    : resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

/**
 * Reads `permission.rbac`. Every mistake is collected as a problem for the
 * boot gate's report instead of stopping at the first one; each names the
 * config key, and the variables it is set from where `variablesOf` knows
 * them.
 *
 * @public
 */
export function readRbacConfig(
  config: Config,
  variablesOf?: ConfigKeyVariables,
): {
  config: RbacConfig;
  problems: PresetProblem[];
} {
  const problems: PresetProblem[] = [];
  const admins = readAdmins(config, problems, variablesOf);
  const file = config.getOptionalString(POLICY_FILE_KEY)?.trim();
  return {
    config: {
      admins,
      policiesFile: file ? resolveFromStartDir(file) : undefined,
      maxDepth: readMaxDepth(config, problems, variablesOf),
      ownersEditOwned:
        config.getOptionalBoolean('permission.rbac.ownersEditOwned') ?? false,
    },
    problems,
  };
}
