import {
  PresetProblem,
  PresetsConfigError,
} from '@devportal/plugin-presets-common';
import { readFileSync } from 'fs';
import {
  ConfigKeyVariables,
  normalizeRef,
  parseMemberRef,
  policyFileSetting,
} from './config';

/** The actions a `p` line may name, as RHDH documents them. */
const RBAC_ACTIONS = [
  'read',
  'create',
  'update',
  'delete',
  'use',
] as const;

/**
 * One `p` line: a role may (or may not) take an action on a permission.
 *
 * @public
 */
export interface RolePolicy {
  /** `role:<namespace>/<name>`, lower case. */
  role: string;
  /** A resource type (`catalog-entity`) or a permission name (`catalog.entity.read`). */
  permission: string;
  action: (typeof RBAC_ACTIONS)[number];
  effect: 'allow' | 'deny';
  /** Where the line came from, `<file>:<line>`. */
  source: string;
}

/**
 * One `g` line: a user or group holds a role.
 *
 * @public
 */
export interface RoleMembership {
  /** `user:...` or `group:...`, lower case. */
  member: string;
  role: string;
  source: string;
}

/**
 * What a policy CSV grants.
 *
 * @public
 */
export interface PolicyModel {
  policies: RolePolicy[];
  memberships: RoleMembership[];
}

function parseRole(text: string): string | undefined {
  try {
    const ref = normalizeRef(text);
    return ref.startsWith('role:') ? ref : undefined;
  } catch {
    return undefined;
  }
}

function parsePolicyLine(fields: string[], where: string): RolePolicy | string {
  if (fields.length !== 5) {
    return `a "p" line has 5 fields (p, role, permission, action, effect), this one has ${fields.length}`;
  }
  const [, roleText, permission, action, effect] = fields;
  const role = parseRole(roleText);
  if (!role) {
    return `"${roleText}" is not a role ref (role:<namespace>/<name>)`;
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(permission)) {
    return `"${permission}" is not a permission name or resource type`;
  }
  if (!(RBAC_ACTIONS as readonly string[]).includes(action)) {
    return `action "${action}" is not one of ${RBAC_ACTIONS.join(', ')}`;
  }
  if (effect !== 'allow' && effect !== 'deny') {
    return `effect "${effect}" is neither allow nor deny`;
  }
  return {
    role,
    permission,
    action: action as RolePolicy['action'],
    effect,
    source: where,
  };
}

function parseMembershipLine(
  fields: string[],
  where: string,
): RoleMembership | string {
  if (fields.length !== 3) {
    return `a "g" line has 3 fields (g, user or group, role), this one has ${fields.length}`;
  }
  const [, memberText, roleText] = fields;
  const member = parseMemberRef(memberText);
  if (!member) {
    return `"${memberText}" is not a user or group ref (user:<namespace>/<name> or group:<namespace>/<name>)`;
  }
  const role = parseRole(roleText);
  if (!role) {
    return `"${roleText}" is not a role ref (role:<namespace>/<name>)`;
  }
  return { member, role, source: where };
}

/**
 * Splits one CSV line into trimmed fields, as RHDH's parser (csv-parse)
 * reads its policy files: a field may be wrapped in double quotes, inside
 * which a comma is part of the field and `""` is a quote. Returns a
 * message for a line whose quotes do not close.
 */
function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) {
          return 'a quoted field is not closed (a field in double quotes ends with a double quote; write "" for a quote inside it)';
        }
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') {
        return 'text follows a quoted field before the next comma';
      }
    } else {
      const end = line.indexOf(',', i);
      field = (end === -1 ? line.slice(i) : line.slice(i, end)).trim();
      i = end === -1 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) {
      return fields;
    }
    i++; // the comma
  }
}

/**
 * Parses a policy CSV in the format RHDH documents. Blank lines and lines
 * starting with `#` are skipped; every bad line is reported, with its
 * number, so one edit fixes them all.
 *
 * @public
 */
export function parsePolicyCsv(
  text: string,
  file: string,
): { model: PolicyModel; problems: PresetProblem[] } {
  const model: PolicyModel = { policies: [], memberships: [] };
  const problems: PresetProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) {
      return;
    }
    const where = `${file}:${index + 1}`;
    const fields = splitCsvLine(line);
    let parsed: RolePolicy | RoleMembership | string;
    if (typeof fields === 'string') {
      parsed = fields;
    } else if (fields[0] === 'p') {
      parsed = parsePolicyLine(fields, where);
      if (typeof parsed !== 'string') model.policies.push(parsed);
    } else if (fields[0] === 'g') {
      parsed = parseMembershipLine(fields, where);
      if (typeof parsed !== 'string') model.memberships.push(parsed);
    } else {
      parsed = `a line starts with "p" (a role's policy) or "g" (a role's member), not "${fields[0]}"`;
    }
    if (typeof parsed === 'string') {
      problems.push({
        kind: 'invalid-file',
        message: `${where}: ${parsed}`,
        hint: 'fix the line (see the rbac preset in presets/README.md for the format) or remove it, then restart',
      });
    }
  });
  return { model, problems };
}

/**
 * Reads and parses the policy CSV, refusing the boot (exit 78) with every
 * problem when the file cannot be read or has bad lines.
 *
 * @public
 */
export function readPolicyFile(
  file: string,
  variablesOf?: ConfigKeyVariables,
): PolicyModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const setting = policyFileSetting(variablesOf);
    throw new PresetsConfigError([
      {
        kind: 'invalid-file',
        message: `the rbac policy file ${file} (${
          setting.key
        }) cannot be read: ${
          (error as NodeJS.ErrnoException).code ?? 'unreadable'
        }`,
        hint: `point ${setting.set} at a readable CSV file, or unset it`,
      },
    ]);
  }
  const { model, problems } = parsePolicyCsv(text, file);
  if (problems.length > 0) {
    throw new PresetsConfigError(problems);
  }
  return model;
}
