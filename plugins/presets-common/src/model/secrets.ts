/*
 * Which preset variables hold secrets. Only their values are redacted from
 * logs: redacting every declared value also masked org names, realms and
 * hosts wherever they appeared (`acme-payments` became `***-payments`).
 */
import { PresetVariable } from './types';

/**
 * Name parts that mark a credential. Matched against whole parts only, so
 * `ACME_CLIENT_ID` (ACME, CLIENT, ID) and `ACME_ORG` are not secrets while
 * `ACME_API_KEY` and `ACME_PAT` are.
 */
const SECRET_NAME_PARTS: ReadonlySet<string> = new Set([
  'TOKEN',
  'TOKENS',
  'SECRET',
  'SECRETS',
  'PASSWORD',
  'PASSWORDS',
  'PASSWD',
  'PASSPHRASE',
  'PASS',
  'PWD',
  'KEY',
  'KEYS',
  'APIKEY',
  'PAT',
  'CREDENTIAL',
  'CREDENTIALS',
]);

/**
 * The parts of a variable name, upper-cased: split at underscores and at
 * camelCase humps (`githubToken` is GITHUB, TOKEN), with trailing digits
 * dropped so `LDAP_SECRET2` still ends in SECRET.
 */
function nameParts(name: string): string[] {
  return name
    .split(/_+|(?<=[a-z0-9])(?=[A-Z])/)
    .map(part => part.toUpperCase().replace(/\d+$/, ''))
    .filter(part => part !== '');
}

/**
 * Whether a variable name looks like it holds a credential (a token, a
 * secret, a password, a key, a personal access token), judged on whole name
 * parts. This is the inference for variables without a `secret` flag, and
 * what preset checks use to ask authors for an explicit flag.
 *
 * @public
 */
export function looksLikeSecretName(name: string): boolean {
  return nameParts(name).some(part => SECRET_NAME_PARTS.has(part));
}

/**
 * Whether the value of a variable is a secret, to be redacted wherever it
 * could be printed. An explicit `secret` flag wins; without one (VeeCode's
 * preset files have none) the name decides, see {@link looksLikeSecretName}.
 *
 * @public
 */
export function isSecretVariable(
  name: string,
  variable?: Pick<PresetVariable, 'secret'>,
): boolean {
  return variable?.secret ?? looksLikeSecretName(name);
}
