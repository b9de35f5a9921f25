/*
 * Whether guest sign-in may run. Guest sign-in hands every caller a user
 * token, which is what a trial on a laptop wants and what a production
 * portal must never do by accident: with NODE_ENV=production it is off
 * unless the operator opts in with DEVPORTAL_ALLOW_GUEST=true.
 */
import { PresetProblem } from '../model/problems';
import { PresetCatalog } from '../catalog/loadPresetCatalog';
import { PRESETS_ENV } from './parseSelection';
import { isUnset } from '../environment/variableValues';

/** The platform variable that allows guest sign-in with NODE_ENV=production. @public */
export const ALLOW_GUEST_ENV = 'DEVPORTAL_ALLOW_GUEST';

/**
 * The exclusive group of the identity presets: a selected one replaces
 * guest sign-in.
 *
 * @public
 */
export const IDENTITY_GROUP = 'identity';

/**
 * Whether guest sign-in may be registered, and why.
 *
 * - `trial`: NODE_ENV is not `production` (`npm start`, `yarn dev`, tests).
 * - `opted-in`: NODE_ENV is `production` and `DEVPORTAL_ALLOW_GUEST=true`.
 * - `off`: NODE_ENV is `production` without that opt-in.
 *
 * @public
 */
export type GuestSignInPolicy = {
  allowed: boolean;
  reason: 'trial' | 'opted-in' | 'off';
};

/** Whether the process runs as production: `NODE_ENV=production`, Backstage's and Node's convention. */
function isProductionEnv(env: Record<string, string | undefined>) {
  return env.NODE_ENV?.trim() === 'production';
}

/** `DEVPORTAL_ALLOW_GUEST` read strictly: true, false, or not one of them. */
function readAllowGuest(
  env: Record<string, string | undefined>,
): boolean | 'invalid' {
  const value = env[ALLOW_GUEST_ENV];
  if (isUnset(value)) {
    return false;
  }
  const normalized = value!.trim().toLowerCase();
  if (normalized === 'true') {
    return true;
  }
  return normalized === 'false' ? false : 'invalid';
}

/**
 * The guest sign-in policy of an environment. An invalid
 * `DEVPORTAL_ALLOW_GUEST` counts as not opted in (and is a problem of its
 * own, reported by `checkAllowGuestVariable`).
 *
 * @public
 */
export function guestSignInPolicy(
  env: Record<string, string | undefined>,
): GuestSignInPolicy {
  if (!isProductionEnv(env)) {
    return { allowed: true, reason: 'trial' };
  }
  return readAllowGuest(env) === true
    ? { allowed: true, reason: 'opted-in' }
    : { allowed: false, reason: 'off' };
}

/**
 * The warning for guest sign-in that is on in production, given the
 * selection: undefined unless guest sign-in will be registered there (no
 * identity preset, NODE_ENV=production, opted in). The boot logs it and
 * `presets check` prints it.
 *
 * @public
 */
export function guestInProductionWarning(
  env: Record<string, string | undefined>,
  presets: ReadonlyArray<{ exclusiveGroup?: string }>,
): string | undefined {
  if (
    guestSignInPolicy(env).reason !== 'opted-in' ||
    presets.some(p => p.exclusiveGroup === IDENTITY_GROUP)
  ) {
    return undefined;
  }
  return `guest sign-in is ON in production (NODE_ENV=production, ${ALLOW_GUEST_ENV}=true): anyone who can reach this backend gets a user token as the guest user, with everything a signed-in user may do. Select an identity preset and unset ${ALLOW_GUEST_ENV} for real sign-in`;
}

/**
 * A value of `DEVPORTAL_ALLOW_GUEST` other than true or false refuses the
 * boot: a typo (`yes`, `1`) must neither open guest sign-in nor silently
 * leave it closed. The value is not echoed.
 */
export function checkAllowGuestVariable(
  env: Record<string, string | undefined>,
): PresetProblem[] {
  if (readAllowGuest(env) !== 'invalid') {
    return [];
  }
  return [
    {
      kind: 'invalid-variables',
      message: `variable ${ALLOW_GUEST_ENV} is neither "true" nor "false"`,
      hint: `set ${ALLOW_GUEST_ENV}=true to allow guest sign-in with NODE_ENV=production (anyone who reaches the backend signs in), or unset it`,
    },
  ];
}

/**
 * The platform's guest sign-in config, a layer just above app-config.yaml:
 * upstream's guest provider refuses to sign anyone in outside
 * NODE_ENV=development unless `dangerouslyAllowOutsideDevelopment` is set,
 * so it is set here exactly when the policy allows guest sign-in. When it
 * does not, the VeeCode frontend is told to hide its guest button.
 *
 * @public
 */
export function platformGuestConfig(env: Record<string, string | undefined>) {
  return guestSignInPolicy(env).allowed
    ? {
        auth: {
          providers: { guest: { dangerouslyAllowOutsideDevelopment: true } },
        },
      }
    : { platform: { guest: { enabled: false } } };
}

/**
 * A preset with `requires.signIn` hands signed-in people something an
 * anonymous caller must not get (`mcp`: tools that register and unregister
 * entities and run templates). With NODE_ENV=production it needs an identity
 * preset, or the operator's explicit opt-in to guest sign-in; in a trial
 * guest sign-in is what there is to try it with.
 */
export function checkSignInRequirements(
  names: string[],
  catalog: PresetCatalog,
  env: Record<string, string | undefined>,
): PresetProblem[] {
  if (guestSignInPolicy(env).allowed) {
    return [];
  }
  const identities = [...catalog.presets.values()]
    .filter(p => p.exclusiveGroup === IDENTITY_GROUP)
    .map(p => p.name)
    .sort();
  if (names.some(n => identities.includes(n))) {
    return [];
  }
  const options = identities.length
    ? `one of: ${identities.join(', ')}`
    : `no available preset has exclusive_group: ${IDENTITY_GROUP}`;
  const requiring = names.filter(n => catalog.presets.get(n)?.requires.signIn);
  // One fix for all of them: an identity preset before the first.
  const first = names.indexOf(requiring[0]);
  const fix = [
    ...names.slice(0, first),
    identities[0] ?? `<${IDENTITY_GROUP} preset>`,
    ...names.slice(first),
  ];
  return requiring.map((name): PresetProblem => {
    const reason = catalog.presets.get(name)!.requires.signIn;
    return {
      kind: 'missing-group',
      message: `preset "${name}" needs real sign-in with NODE_ENV=production, but no identity preset is selected (${options}) and guest sign-in is off in production: ${reason}`,
      hint: `select an identity preset before it, e.g. ${PRESETS_ENV}=${fix.join(
        ',',
      )}; or, to let anyone who reaches the backend sign in as guest, set ${ALLOW_GUEST_ENV}=true`,
    };
  });
}
