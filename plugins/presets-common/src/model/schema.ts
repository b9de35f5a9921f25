import { PRESET_NAME_PATTERN } from './naming';

/** The name rule, the one the engine checks selections with. */
const NAME = PRESET_NAME_PATTERN.source;

/**
 * A semantic version, strictly (no `v` prefix, no leading zeros): the
 * pattern semver.org gives. A pattern, not a custom format, so editors
 * check it too and the validator needs no code of its own.
 */
export const SEMVER_PATTERN =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';

/** An environment variable's name, unanchored. */
const VARIABLE_NAME = '[A-Za-z_][A-Za-z0-9_]*';

/** An environment variable's name, as presets declare and reference them. */
export const VARIABLE_NAME_PATTERN = `^${VARIABLE_NAME}$`;

/** The transforms a derived value's template may apply to a reference. */
export const DERIVED_TRANSFORMS = ['url', 'host', 'no-trailing-slash'] as const;

/** `$${` in a derived value's template: a literal `${`. */
const TEMPLATE_LITERAL = '\\$\\$\\{';

/**
 * A reference in a derived value's template: `${VAR}`, with optional
 * transforms (`${VAR|url|no-trailing-slash}`). With `capture`, the name and
 * the transform chain are groups 1 and 2, for the evaluator.
 */
function templateReference(capture: boolean): string {
  const group = (source: string) => (capture ? `(${source})` : source);
  return `\\$\\{${group(VARIABLE_NAME)}${group(
    `(?:\\|(?:${DERIVED_TRANSFORMS.join('|')}))*`,
  )}\\}`;
}

/**
 * A derived value's template: text with references and literal `$${`. A
 * pattern, so editors check templates too.
 */
export const DERIVED_TEMPLATE_PATTERN = `^(?:[^$]|${TEMPLATE_LITERAL}|\\$(?!\\{)|${templateReference(
  false,
)})*$`;

/**
 * The literals and references of a template that the schema accepts
 * ({@link DERIVED_TEMPLATE_PATTERN}), one match each, in order: what the
 * evaluator reads a template with. A reference's name and transform chain
 * are groups 1 and 2.
 */
export function derivedTemplateParts(): RegExp {
  return new RegExp(`${TEMPLATE_LITERAL}|${templateReference(true)}`, 'g');
}

/** An absolute path (a derived value's `file` condition). */
export const ABSOLUTE_PATH_PATTERN = '^/';

const variableName = {
  type: 'string',
  pattern: VARIABLE_NAME_PATTERN,
} as const;

/**
 * The machine-checked shape of a preset file, as a JSON Schema (draft-07).
 * It is exported so tooling (editor integration, `presets lint`) validates
 * against the very same document the engine does.
 *
 * @public
 */
export const presetFileSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://devportal-presets/schemas/preset.json',
  title: 'DevPortal preset',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'description', 'version'],
  properties: {
    name: {
      type: 'string',
      pattern: NAME,
      description: 'kebab-case, unique, equal to the file name',
    },
    description: { type: 'string', minLength: 1, pattern: '\\S' },
    version: {
      type: 'string',
      pattern: SEMVER_PATTERN,
      description: 'a semantic version such as 1.0.0',
    },
    exclusive_group: {
      type: 'string',
      pattern: NAME,
      description: 'at most one selected preset per group',
    },
    requires: {
      type: 'object',
      additionalProperties: false,
      properties: {
        presets: {
          type: 'array',
          uniqueItems: true,
          items: { type: 'string', pattern: NAME },
          description: 'presets that must be selected before this one',
        },
        groups: {
          type: 'object',
          propertyNames: { pattern: NAME },
          additionalProperties: {
            type: 'string',
            minLength: 1,
            pattern: '\\S',
          },
          description:
            'exclusive groups one of whose presets must be selected before this one, each with the reason shown when none is (e.g. identity: guest users have no groups)',
        },
        signIn: {
          type: 'string',
          minLength: 1,
          pattern: '\\S',
          description:
            'why this preset must not run on guest sign-in in production, shown when it would: with NODE_ENV=production it needs a preset of exclusive_group identity selected, or the operator opting in to guest sign-in with DEVPORTAL_ALLOW_GUEST=true',
        },
        oneOf: {
          type: 'array',
          minItems: 2,
          items: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: variableName,
          },
          description:
            'sets of variables of which exactly one must be set in full, e.g. a token or an app: [[X_TOKEN], [X_APP_ID, X_APP_KEY]]; each variable is declared under variables with required: false',
        },
        variables: {
          type: 'object',
          propertyNames: { pattern: VARIABLE_NAME_PATTERN },
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['description', 'required'],
            properties: {
              description: { type: 'string', minLength: 1, pattern: '\\S' },
              required: { type: 'boolean' },
              docs: { type: 'string', minLength: 1 },
              example: { type: ['string', 'number', 'boolean'] },
              format: {
                enum: ['url'],
                description: 'url: a set value must be an absolute http(s) URL',
              },
              secret: {
                type: 'boolean',
                description:
                  'true: the value is a credential, redacted from logs; unset: inferred from the name (TOKEN, SECRET, PASSWORD, KEY, PAT ...)',
              },
              aliases: {
                type: 'array',
                uniqueItems: true,
                minItems: 1,
                items: variableName,
                description:
                  "other names the operator may set the variable by (another product's deployment names): the variable takes the value of whichever is set, names set to different values refuse the boot, and each has the NAME_FILE form too",
              },
            },
          },
        },
      },
    },
    derived: {
      type: 'object',
      propertyNames: { pattern: VARIABLE_NAME_PATTERN },
      description:
        'values computed from variables, referenced like any ${VAR}: the first case whose `when` holds gives the value',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['description', 'cases'],
        properties: {
          description: { type: 'string', minLength: 1, pattern: '\\S' },
          secret: {
            type: 'boolean',
            description:
              'true: the value is a credential, redacted from logs; unset: inferred from the name',
          },
          cases: {
            type: 'array',
            minItems: 1,
            description:
              'tried in order; the first whose `when` holds gives the value, and none leaves the value unset',
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                when: {
                  type: 'object',
                  additionalProperties: false,
                  minProperties: 1,
                  description: 'every condition given must hold',
                  properties: {
                    set: variableName,
                    unset: variableName,
                    url: {
                      ...variableName,
                      description: 'set to an absolute http(s) URL',
                    },
                    file: {
                      type: 'string',
                      pattern: ABSOLUTE_PATH_PATTERN,
                      description:
                        'this absolute path is an existing regular file (a default file an image may ship, such as /app/rbac-policy.csv)',
                    },
                    equals: {
                      type: 'object',
                      minProperties: 1,
                      propertyNames: { pattern: VARIABLE_NAME_PATTERN },
                      additionalProperties: { type: 'string' },
                      description: 'each variable holds exactly this text',
                    },
                  },
                },
                value: {
                  type: 'string',
                  pattern: DERIVED_TEMPLATE_PATTERN,
                  description:
                    'the value: text with ${VAR} references, each optionally transformed (${VAR|url}, |host, |no-trailing-slash); absent (and without random), this case leaves the value unset',
                },
                random: {
                  const: true,
                  description:
                    'the value is random: 64 hex characters made once per process',
                },
              },
              // One value form per case.
              not: {
                properties: { value: true, random: true },
                required: ['value', 'random'],
              },
            },
          },
        },
      },
    },
    plugins: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['package'],
        properties: {
          package: { type: 'string', minLength: 1, pattern: '\\S' },
          disabled: { type: 'boolean' },
          integrity: { type: 'string' },
          pluginConfig: { type: 'object' },
        },
      },
    },
    appConfig: { type: 'object' },
  },
} as const;
