import { Preset } from '../model/types';
import { isUnset } from '../environment/variableValues';

/** Variable names that hold a credential: a token, a client or a secret. */
const CREDENTIAL_NAME = /(TOKEN|SECRET|PASSWORD|_PAT|API_KEY|CLIENT_ID)$/;

/**
 * Credentials that serve more than one purpose: a variable two selected
 * presets both declare (one token for an SCM integration and for org sync),
 * or two credential variables set to the same value (one OAuth client for
 * sign-in and for an integration). Accepted, but worth a warning at boot:
 * the shared credential needs, and carries, the union of the scopes of
 * every use. Names presets and variables, never values.
 */
export function findSharedCredentials(
  presets: Preset[],
  env: Record<string, string | undefined>,
): string[] {
  const users = new Map<string, string[]>();
  for (const preset of presets) {
    for (const name of Object.keys(preset.requires.variables)) {
      if (CREDENTIAL_NAME.test(name) && !isUnset(env[name])) {
        users.set(name, [...(users.get(name) ?? []), preset.name]);
      }
    }
  }
  const warnings: string[] = [];
  for (const [name, by] of users) {
    if (by.length > 1) {
      warnings.push(
        `${name} is shared by presets ${by.join(
          ', ',
        )}: one credential serves all of them, so it carries the union of the scopes each needs (see each preset's description of ${name}); use separate credentials to keep each one narrow`,
      );
    }
  }
  const byValue = new Map<string, string[]>();
  for (const name of users.keys()) {
    const value = env[name]!.trim();
    byValue.set(value, [...(byValue.get(value) ?? []), name]);
  }
  for (const names of byValue.values()) {
    if (names.length > 1) {
      const presetsOf = names.map(n => `${n} (${users.get(n)!.join(', ')})`);
      warnings.push(
        `${presetsOf.join(
          ' and ',
        )} hold the same credential: it is accepted, but it carries the union of the scopes of sign-in and integration; use separate credentials to keep each one narrow`,
      );
    }
  }
  return warnings;
}
