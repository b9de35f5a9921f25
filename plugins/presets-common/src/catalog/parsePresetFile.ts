import type { ErrorObject, ValidateFunction } from 'ajv';
import { relative, isAbsolute, basename, extname, sep } from 'path';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import {
  ABSOLUTE_PATH_PATTERN,
  DERIVED_TEMPLATE_PATTERN,
  DERIVED_TRANSFORMS,
  SEMVER_PATTERN,
  VARIABLE_NAME_PATTERN,
  presetFileSchema,
} from '../model/schema';
import { validate as generatedValidator } from '../model/presetFileValidator.generated';
import { isValidPresetName } from '../model/naming';
import { Preset, PresetFile } from '../model/types';
import { presetFromFile } from '../model/fromFile';
import { PresetProblem } from '../model/problems';
import { escapeControlCharacters, excerpt } from '../model/excerpt';
import { eachBlockProblems } from '../model/expandEach';
import { yaml } from './lazyYaml';

/** The schema's validator, precompiled (see `presetFileValidatorSource`). */
const validate = generatedValidator as ValidateFunction<PresetFile>;

/**
 * How a file path is shown to operators: relative to the working directory
 * when below it, with characters a terminal would act on escaped.
 *
 * @public
 */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return escapeControlCharacters(
    rel && rel.split(sep)[0] !== '..' && !isAbsolute(rel) ? rel : file,
  );
}

/**
 * Result of reading one preset file.
 *
 * @public
 */
export interface ParsedPresetFile {
  preset?: Preset;
  problems: PresetProblem[];
}

/**
 * Where something is in a YAML text; both 1-based.
 *
 * @public
 */
export interface YamlPosition {
  line: number;
  column: number;
}

/**
 * Scalars js-yaml's core schema reads otherwise than `yaml` does (`0b101`,
 * `-0x1f` and `+0o7` as numbers, `-.5` as a string); a text holding
 * anything like them takes the position-keeping parse, whose reading is
 * the reference.
 */
const READ_DIFFERENTLY = /[-+]\.\d|[-+]?0[bB][01]|[-+]0[xXoO]/;

/**
 * How much of a YAML parser message is shown: its own words run to 93
 * characters ("Block scalars with more-indented leading empty lines must use
 * an explicit indentation indicator"), and a message that ends by quoting
 * the source ("Block scalar header includes extra characters: ...") is cut
 * at this length, so it shows about as much of the file as an excerpt.
 */
const YAML_MESSAGE_LENGTH = 96;

/** The start of a file: where a problem about the whole document points. */
const FILE_START: YamlPosition = { line: 1, column: 1 };

/**
 * Parses and validates the text of one preset file. Every schema violation
 * is reported, each with the file, the line and column (`file:line:column:`)
 * and the field it concerns.
 *
 * @public
 */
export function parsePresetFile(file: string, text: string): ParsedPresetFile {
  return parseValidFile(file, text) ?? parsePresetFileWithPositions(file, text);
}

/**
 * The path every boot takes for every preset: js-yaml without positions,
 * several times faster than a position-keeping parse. Returns undefined for
 * anything to report, which `parsePresetFileWithPositions` then explains with
 * positions; so a file is only ever accepted here if the full parse would
 * accept it too.
 */
function parseValidFile(
  file: string,
  text: string,
): ParsedPresetFile | undefined {
  if (READ_DIFFERENTLY.test(text)) {
    return undefined;
  }
  let data: unknown;
  try {
    // The core schema is YAML 1.2's, as `yaml` reads it: no timestamps, no
    // merge keys, so appConfig values come out the same with either parser.
    data = loadYaml(text, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
  if (
    !isMapping(data) ||
    // Shared collections come from aliases; the full parse bounds their
    // expansion (alias bombs), which js-yaml does not.
    sharesCollections(data, text) ||
    !validate(data) ||
    data.name !== basename(file, extname(file)) ||
    eachBlockProblems(data.appConfig).length > 0
  ) {
    return undefined;
  }
  return { preset: presetFromFile(data, file), problems: [] };
}

/**
 * Where an alias (`*name`) may start: at the start of a line or after
 * whitespace, `[`, `{`, `,` or `:` (`{"key":*name}`). A `*` elsewhere
 * (`'.*'`, `"*.yaml"`) is text, and a text with no `*` in such a place has
 * no alias.
 */
const MAY_HOLD_ALIAS = /(?:^|[\s[{,:])\*/m;

/**
 * Whether a list or mapping is reached twice, which only an alias does.
 * Most files have no alias and skip the walk.
 */
function sharesCollections(root: object, text: string): boolean {
  if (!MAY_HOLD_ALIAS.test(text)) {
    return false;
  }
  const seen = new Set<object>();
  const stack: object[] = [root];
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (seen.has(value)) {
      return true;
    }
    seen.add(value);
    for (const key in value) {
      if (Object.hasOwn(value, key)) {
        const child = (value as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') {
          stack.push(child);
        }
      }
    }
  }
  return false;
}

/**
 * Parses with `yaml`'s document model, which keeps every node's position:
 * the path of a file with something to report. Exported for the tests and
 * the benchmark, which compare it with the fast path.
 */
export function parsePresetFileWithPositions(
  file: string,
  text: string,
): ParsedPresetFile {
  const shown = displayPath(file);
  const { LineCounter: Lines, parseDocument } = yaml();
  const lineCounter = new Lines();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problem = (
    position: YamlPosition | undefined,
    message: string,
    hint?: string,
  ) => ({
    kind: 'invalid-file' as const,
    message: `${shown}${
      position ? `:${position.line}:${position.column}` : ''
    }: ${message}`,
    hint,
  });

  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map(err =>
        problem(
          toPosition(lineCounter, err.pos[0]),
          `not valid YAML: ${excerpt(
            err.message.split('\n')[0],
            YAML_MESSAGE_LENGTH,
          )}`,
          'fix the YAML syntax (check indentation and quoting)',
        ),
      ),
    };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Unresolved aliases and alias bombs are user mistakes, not crashes.
    return {
      problems: [
        problem(
          aliasPosition(doc, lineCounter),
          `not valid YAML: ${excerpt(
            (error as Error).message.split('\n')[0],
            YAML_MESSAGE_LENGTH,
          )}`,
          'define every *alias with an &anchor before it, and do not nest aliases',
        ),
      ],
    };
  }
  if (!isMapping(data)) {
    return {
      problems: [
        problem(
          FILE_START,
          'a preset file must be a YAML mapping with at least name, description and version',
          'see presets/README.md for the preset schema',
        ),
      ],
    };
  }

  const problems: PresetProblem[] = [];
  if (!validate(data)) {
    // A bad key under propertyNames is reported once, by its own keyword.
    for (const error of (validate.errors ?? []).filter(e => !e.propertyName)) {
      const { message, hint, position } = describeSchemaError(
        error,
        doc,
        lineCounter,
      );
      problems.push(problem(position, message, hint));
    }
  }

  for (const error of eachBlockProblems(data.appConfig)) {
    problems.push(
      problem(
        positionOf(doc, lineCounter, ['appConfig', ...error.segments]),
        error.message,
        'see docs/derived-values.md, "Lists", for the $each block',
      ),
    );
  }

  const expectedName = basename(file, extname(file));
  if (typeof data.name === 'string' && data.name !== expectedName) {
    problems.push(
      problem(
        positionOf(doc, lineCounter, ['name']),
        `field "name" is "${excerpt(
          data.name,
        )}" but the file is named "${excerpt(basename(file))}"`,
        renameHint(data.name, expectedName, extname(file)),
      ),
    );
  }

  if (problems.length > 0) {
    return { problems };
  }
  // No problem means the schema accepted the file: it is a PresetFile.
  return { preset: presetFromFile(data as PresetFile, file), problems };
}

function toPosition(lineCounter: LineCounter, offset: number): YamlPosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Where the first alias that does not resolve is, else the first alias. */
function aliasPosition(
  doc: Document,
  lineCounter: LineCounter,
): YamlPosition | undefined {
  let unresolved: YamlPosition | undefined;
  let first: YamlPosition | undefined;
  yaml().visit(doc, {
    Alias(_, node) {
      const position = node.range
        ? toPosition(lineCounter, node.range[0])
        : undefined;
      first ??= position;
      if (unresolved === undefined && !node.resolve(doc)) {
        unresolved = position;
      }
    },
  });
  return unresolved ?? first;
}

function renameHint(name: string, fileName: string, ext: string): string {
  if (isValidPresetName(name)) {
    return `rename the file to ${excerpt(name)}${ext} or set name: ${excerpt(
      fileName,
    )}`;
  }
  if (isValidPresetName(fileName)) {
    return `set name: ${excerpt(fileName)}`;
  }
  return 'give the preset a kebab-case name and name the file after it';
}

function isMapping(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function pathSegments(instancePath: string): string[] {
  if (!instancePath) {
    return [];
  }
  return instancePath
    .split('/')
    .slice(1)
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A field path as a message quotes it; each key an excerpt, as keys come from the file. */
function dotted(segments: string[]): string {
  return segments.map(segment => excerpt(segment)).join('.');
}

function fieldName(segments: string[]): string {
  return segments.length === 0 ? 'the top level' : `"${dotted(segments)}"`;
}

/**
 * Where the YAML node at a path is (numeric segments index lists), or
 * `key` in the mapping there; falls back to the nearest parent that has a
 * position. Shared by the parser's errors and `presets lint`.
 *
 * @public
 */
export function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  segments: string[],
  key?: string,
): YamlPosition | undefined {
  const { isMap, isPair, isScalar } = yaml();
  const keys = segments.map(s => (/^\d+$/.test(s) ? Number(s) : s));
  const node = (keys.length ? doc.getIn(keys, true) : doc.contents) as
    | YamlNode
    | undefined;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find(
      p => isPair(p) && isScalar(p.key) && p.key.value === key,
    );
    const keyNode = pair?.key as YamlNode | undefined;
    if (keyNode?.range) {
      return toPosition(lineCounter, keyNode.range[0]);
    }
  }
  if (node?.range) {
    return toPosition(lineCounter, node.range[0]);
  }
  if (segments.length > 0) {
    return positionOf(
      doc,
      lineCounter,
      segments.slice(0, -1),
      segments[segments.length - 1],
    );
  }
  return undefined;
}

const TYPE_HINTS: Record<string, string> = {
  boolean: 'write true or false, without quotes',
  string: 'quote the value',
};

function describeSchemaError(
  error: ErrorObject,
  doc: Document,
  lineCounter: LineCounter,
): { message: string; hint?: string; position?: YamlPosition } {
  const segments = pathSegments(error.instancePath);
  const field = fieldName(segments);
  const at = (key?: string) => positionOf(doc, lineCounter, segments, key);

  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string })
        .additionalProperty;
      const allowed = allowedKeys(segments);
      return {
        position: at(extra),
        message: `unknown field "${excerpt(extra)}" in ${field}`,
        hint: allowed
          ? `remove it or use one of: ${allowed.join(', ')}`
          : 'remove it',
      };
    }
    case 'required': {
      const missing = (error.params as { missingProperty: string })
        .missingProperty;
      // The line of the key that owns the incomplete mapping.
      const owner = segments.length
        ? positionOf(
            doc,
            lineCounter,
            segments.slice(0, -1),
            segments[segments.length - 1],
          )
        : FILE_START;
      return {
        position: owner,
        message: `field "${dotted([...segments, missing])}" is missing`,
        hint: requiredHint(missing),
      };
    }
    case 'type': {
      const expected = (error.params as { type: string | string[] }).type;
      const wanted = Array.isArray(expected) ? expected.join(' or ') : expected;
      return {
        position: at(),
        message: `field ${field} must be ${article(wanted)}`,
        hint: TYPE_HINTS[wanted],
      };
    }
    case 'pattern': {
      const { pattern } = error.params as { pattern: string };
      if (pattern === '\\S') {
        return { position: at(), message: `field ${field} must not be blank` };
      }
      if (pattern === SEMVER_PATTERN) {
        return {
          position: at(),
          message: `field ${field} must be a semantic version such as 1.0.0`,
          hint: 'use MAJOR.MINOR.PATCH, quoted if YAML would read it as a number',
        };
      }
      if (pattern === VARIABLE_NAME_PATTERN) {
        return {
          position: at(),
          message: `field ${field} must be a variable name`,
          hint: 'use letters, digits and underscores, not starting with a digit',
        };
      }
      if (pattern === DERIVED_TEMPLATE_PATTERN) {
        return {
          position: at(),
          message: `field ${field} must be text with \${VARIABLE} references, each optionally followed by transforms (${DERIVED_TRANSFORMS.map(
            t => `|${t}`,
          ).join(', ')})`,
          hint: 'close every ${ with }, use only those transforms, and write $${ for a literal ${',
        };
      }
      if (pattern === ABSOLUTE_PATH_PATTERN) {
        return {
          position: at(),
          message: `field ${field} must be an absolute path`,
          hint: 'write the full path from / (a preset is read from any directory)',
        };
      }
      return {
        position: at(),
        message: `field ${field} must be kebab-case (lower-case letters and digits separated by single dashes)`,
      };
    }
    case 'not':
      // The schema's one `not`: a derived case has one value form.
      return {
        position: at(),
        message: `field ${field} has both value and random`,
        hint: 'keep value (a template) or random: true, not both',
      };
    case 'const':
      return {
        position: at(),
        message: `field ${field} must be true`,
        hint: 'write random: true, or remove it',
      };
    case 'minProperties':
      return { position: at(), message: `field ${field} must not be empty` };
    case 'propertyNames':
      return {
        position: at((error.params as { propertyName: string }).propertyName),
        message: `variable name "${excerpt(
          (error.params as { propertyName: string }).propertyName,
        )}" in ${field} is not a valid environment variable name`,
        hint: 'use letters, digits and underscores, not starting with a digit',
      };
    case 'minItems': {
      const { limit } = error.params as { limit: number };
      return {
        position: at(),
        message:
          limit > 1
            ? `field ${field} must list at least ${limit} entries`
            : `field ${field} must not be empty`,
      };
    }
    case 'minLength':
      return { position: at(), message: `field ${field} must not be empty` };
    case 'uniqueItems': {
      const what = field.includes('requires.oneOf') ? 'variable' : 'preset';
      return {
        position: at(),
        message: `field ${field} lists the same ${what} twice`,
        hint: `list each ${what} once`,
      };
    }
    default:
      return { position: at(), message: `field ${field} ${error.message}` };
  }
}

function article(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function requiredHint(field: string): string | undefined {
  switch (field) {
    case 'description':
      return 'add a one-line description';
    case 'required':
      return 'add required: true (unset fails the boot) or required: false';
    case 'version':
      return 'add a semantic version such as version: 1.0.0';
    case 'name':
      return 'add name: equal to the file name without .yaml';
    case 'package':
      return 'add package: with an OCI reference or a package name';
    default:
      return undefined;
  }
}

function allowedKeys(segments: string[]): string[] | undefined {
  let schema: any = presetFileSchema;
  for (const segment of segments) {
    if (schema.type === 'array') {
      schema = schema.items;
    } else if (schema.properties?.[segment]) {
      schema = schema.properties[segment];
    } else if (typeof schema.additionalProperties === 'object') {
      schema = schema.additionalProperties;
    } else {
      return undefined;
    }
  }
  return schema.properties ? Object.keys(schema.properties) : undefined;
}
