/*
 * `presets lint`: the checks a preset author wants before a preset lands,
 * beyond what the boot gate refuses. Files are read by the gate's own parser
 * (parsePresetFile, loadPresetCatalog), so a file lint accepts is a file the
 * gate accepts; the rules below only add what a valid file can still get
 * wrong.
 */
import fs from 'fs';
import { dirname, relative, resolve } from 'path';
import {
  Document,
  LineCounter,
  Node as YamlNode,
  isMap,
  isPair,
  isScalar,
  parseDocument,
  visit,
} from 'yaml';
import {
  closestName,
  defaultShippedDir,
  derivedInputs,
  displayPath,
  excerpt,
  loadPresetCatalog,
  looksLikeSecretName,
  MAX_PRESET_FILE_BYTES,
  parsePresetFile,
  PLUGIN_PLACEHOLDER_NAMES,
  positionOf,
  Preset,
  PresetProblem,
  readBackstageVersion,
  readPlatformPreset,
  readPresetFile,
  ReadPresetFileOptions,
  REFERENCE_EXCERPT_LENGTH,
  VARIABLE_FILE_SUFFIX,
  variableNamesIn,
  YamlPosition,
} from '@devportal/plugin-presets-common';
import { Paint } from './terminal';

/** What a lint finding is about. Stable strings for `--json`. */
export type LintRule =
  | 'invalid-file'
  | 'undeclared-variable'
  | 'other-backstage-release'
  | 'undocumented-variable'
  | 'unused-variable'
  | 'foreign-prefix'
  | 'secret-flag-missing'
  | 'alias-collision'
  | 'one-of-variable';

/** One thing lint found, at a file and (when known) a line and column. */
export interface LintFinding {
  rule: LintRule;
  /** The file as shown to the user: relative to the working directory when below it. */
  file: string;
  line?: number;
  /** 1-based, like `line`; set whenever `line` is. */
  column?: number;
  message: string;
  /** How to fix it. */
  hint?: string;
}

/** The outcome of `presets lint`; the `--json` shape, so keep it stable. */
export interface LintResult {
  /** No errors; warnings alone do not fail a lint. */
  ok: boolean;
  errors: LintFinding[];
  warnings: LintFinding[];
}

/** Where lint reads the platform facts from. */
export interface LintOptions {
  /** The repository (or backend) root holding `backstage.json` and `app-config.yaml`. */
  rootDir: string;
}

/**
 * The placeholders of `package` references, resolved by the plugin resolver
 * from the environment or its defaults; a preset never declares them.
 */

/** The Backstage release an OCI plugin image is built for: `...:bs_1.55.0!plugin`. */
const RELEASE_PIN = /\bbs_(\d+\.\d+\.\d+)/;

/** A variable referenced from a preset, at its first use. */
type References = Map<string, YamlPosition | undefined>;

/**
 * The variables a YAML file that a preset includes (`$include:
 * data/x.yaml#key`) references. Only a file inside the preset's folder once
 * symlinks are resolved, and no larger than a preset file, is read, and only
 * well-formed variable names are kept: nothing else of its content can reach
 * a finding.
 */
function includedReferences(include: string, baseDir: string): string[] {
  const target = include.split('#')[0];
  if (!/\.ya?ml$/.test(target) || target.includes('${')) {
    return [];
  }
  let text: string;
  try {
    const file = fs.realpathSync(resolve(baseDir, target));
    const stat = fs.statSync(file);
    if (
      relative(fs.realpathSync(baseDir), file).startsWith('..') ||
      !stat.isFile() ||
      stat.size > MAX_PRESET_FILE_BYTES
    ) {
      return [];
    }
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const names: string[] = [];
  visit(parseDocument(text), {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string') {
        names.push(
          ...variableNamesIn(scalar.value).filter(name =>
            /^[A-Za-z_][A-Za-z0-9_]*$/.test(name),
          ),
        );
      }
    },
  });
  return names;
}

/**
 * Every environment variable a YAML subtree references, with the position
 * of its first use: `${VAR}` in any string, Backstage's `$env: VAR`, and
 * `${VAR}` in a file included with `$include` (at the `$include`) when
 * `baseDir`, the including file's folder, is given.
 */
function collectReferences(
  node: YamlNode | undefined,
  lineCounter: LineCounter,
  into: References = new Map(),
  baseDir?: string,
): References {
  if (!node) {
    return into;
  }
  const add = (name: string, at: YamlNode) => {
    if (!into.has(name)) {
      into.set(name, at.range ? nodePosition(lineCounter, at) : undefined);
    }
  };
  visit(node, {
    Pair(_, pair) {
      if (
        isScalar(pair.key) &&
        // `$env: VAR` reads VAR, as `$each: VAR` reads its comma list
        (pair.key.value === '$env' || pair.key.value === '$each') &&
        isScalar(pair.value) &&
        typeof pair.value.value === 'string'
      ) {
        add(pair.value.value.trim(), pair.value);
      }
      if (
        baseDir &&
        isScalar(pair.key) &&
        pair.key.value === '$include' &&
        isScalar(pair.value) &&
        typeof pair.value.value === 'string'
      ) {
        const at = pair.value;
        includedReferences(pair.value.value, baseDir).forEach(name =>
          add(name, at),
        );
      }
    },
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string') {
        variableNamesIn(scalar.value).forEach(name => add(name, scalar));
      }
    },
  });
  return into;
}

/**
 * The variables a preset may use without declaring them: those the
 * platform derives, the `package` placeholders, and those the base
 * `app-config.yaml` reads (an operator sets them for the platform, not for
 * one preset).
 */
function platformVariables(rootDir: string): Set<string> {
  const names = new Set([
    ...Object.keys(
      readPlatformPreset(defaultShippedDir(rootDir)).preset?.derived ?? {},
    ),
    ...PLUGIN_PLACEHOLDER_NAMES,
  ]);
  let text: string;
  try {
    text = fs.readFileSync(resolve(rootDir, 'app-config.yaml'), 'utf8');
  } catch {
    return names;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  for (const name of collectReferences(
    doc.contents ?? undefined,
    lineCounter,
  ).keys()) {
    names.add(name);
  }
  return names;
}

/**
 * What the used derived variables read, followed through derived variables
 * that read others: a declared variable read this way is used.
 */
function derivationInputs(
  derived: Preset['derived'],
  references: Iterable<string>,
): Set<string> {
  const inputs = new Set<string>();
  const queue = [...references].filter(name => Object.hasOwn(derived, name));
  while (queue.length > 0) {
    for (const input of derivedInputs(derived[queue.shift()!])) {
      if (!inputs.has(input)) {
        inputs.add(input);
        if (Object.hasOwn(derived, input)) {
          queue.push(input);
        }
      }
    }
  }
  return inputs;
}

/**
 * The prefixes a preset's variables should carry: its name upper-cased with
 * dashes as underscores, and the part before the first dash, so
 * `github-auth` may use GITHUB_AUTH_ and GITHUB_.
 */
export function variablePrefixes(presetName: string): string[] {
  const full = `${presetName.toUpperCase().replace(/-/g, '_')}_`;
  const family = `${presetName.split('-')[0].toUpperCase()}_`;
  return full === family ? [full] : [full, family];
}

function nodePosition(lineCounter: LineCounter, node: YamlNode): YamlPosition {
  const { line, col } = lineCounter.linePos(node.range![0]);
  return { line, column: col };
}

/** Where each key of the mapping at `path` (`requires.variables`, `derived`) is. */
function declarationPositions(
  doc: Document,
  lineCounter: LineCounter,
  path: string[],
) {
  const positions = new Map<string, YamlPosition>();
  const variables = doc.getIn(path, true);
  if (isMap(variables)) {
    for (const pair of variables.items) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.range) {
        positions.set(
          String(pair.key.value),
          nodePosition(lineCounter, pair.key),
        );
      }
    }
  }
  return positions;
}

interface PresetLintContext {
  platform: Set<string>;
  release?: string;
  /** Presets a linted preset may depend on, by name. */
  known: Map<string, Preset>;
  /** The variable names and aliases of the known presets. */
  owners: Map<string, NameOwner[]>;
}

/**
 * The variables a preset's dependencies declare, each with the preset that
 * declares it. The gate makes a dependency come first in every selection
 * and checks its variables, so an override-only preset such as `ldap-ad`
 * may use them without declaring them again.
 */
function inheritedVariables(
  preset: Preset,
  known: Map<string, Preset>,
): Map<string, string> {
  const inherited = new Map<string, string>();
  const seen = new Set([preset.name]);
  const queue = [...preset.requires.presets];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const dependency = known.get(name);
    if (seen.has(name) || !dependency) {
      continue;
    }
    seen.add(name);
    for (const variable of [
      ...Object.keys(dependency.requires.variables),
      ...Object.keys(dependency.derived),
    ]) {
      if (!inherited.has(variable)) {
        inherited.set(variable, name);
      }
    }
    queue.push(...dependency.requires.presets);
  }
  return inherited;
}

/** Whose name a variable name is: a variable's own, or its alias. */
interface NameOwner {
  variable: string;
  preset: string;
  alias: boolean;
}

/**
 * Every variable name and alias the presets declare, each with the
 * variables that own it. Presets that share a variable (`GITHUB_PAT` of
 * github and github-auth) own its names together.
 */
function variableNameOwners(
  presets: Iterable<Preset>,
): Map<string, NameOwner[]> {
  const owners = new Map<string, NameOwner[]>();
  const add = (name: string, owner: NameOwner) =>
    owners.set(name, [...(owners.get(name) ?? []), owner]);
  for (const preset of presets) {
    for (const [variable, spec] of Object.entries(preset.requires.variables)) {
      add(variable, { variable, preset: preset.name, alias: false });
      for (const alias of spec.aliases ?? []) {
        add(alias, { variable, preset: preset.name, alias: true });
      }
    }
  }
  return owners;
}

function describeOwner(owner: NameOwner): string {
  return owner.alias
    ? `an alias of ${owner.variable} (preset "${owner.preset}")`
    : `variable ${owner.variable} of preset "${owner.preset}"`;
}

/**
 * An alias is one more name of a variable, and every name has its _FILE
 * form: the gate could not tell whose value a name holds if an alias were
 * another variable's name or alias anywhere in the catalog, or a name were
 * another's _FILE form.
 */
function aliasFindings(
  preset: Preset,
  owners: Map<string, NameOwner[]>,
  declaredAt: Map<string, YamlPosition>,
): Omit<LintFinding, 'file'>[] {
  const findings: Omit<LintFinding, 'file'>[] = [];
  for (const [variable, spec] of Object.entries(preset.requires.variables)) {
    const position = declaredAt.get(variable);
    for (const alias of spec.aliases ?? []) {
      if (alias === variable) {
        findings.push({
          rule: 'alias-collision',
          ...position,
          message: `variable ${excerpt(variable)} names itself as an alias`,
          hint: `remove ${excerpt(alias)} from its aliases`,
        });
        continue;
      }
      const others = (owners.get(alias) ?? []).filter(
        o => o.variable !== variable,
      );
      if (others.length > 0) {
        findings.push({
          rule: 'alias-collision',
          ...position,
          message: `alias ${excerpt(alias)} of variable ${excerpt(
            variable,
          )} is also ${others.map(describeOwner).join(', ')}`,
          hint: `give each name to one variable only: remove ${excerpt(
            alias,
          )} from the aliases of ${excerpt(variable)}, or rename the other`,
        });
      }
    }
    for (const name of [variable, ...(spec.aliases ?? [])]) {
      const base = name.endsWith(VARIABLE_FILE_SUFFIX)
        ? name.slice(0, -VARIABLE_FILE_SUFFIX.length)
        : undefined;
      // Its own variable too: an alias X_FILE of X would read a path as X.
      const others = base ? owners.get(base) ?? [] : [];
      if (others.length > 0) {
        findings.push({
          rule: 'alias-collision',
          ...position,
          message: `${excerpt(name)} of variable ${excerpt(
            variable,
          )} is the ${VARIABLE_FILE_SUFFIX} form of ${excerpt(base!)}, ${others
            .map(describeOwner)
            .join(', ')}: it would name the file holding that value`,
          hint: `rename ${excerpt(name)} or ${excerpt(base!)}`,
        });
      }
    }
  }
  return findings;
}

/** The findings of one valid preset, errors and warnings mixed. */
function lintPreset(
  preset: Preset,
  text: string,
  context: PresetLintContext,
): LintFinding[] {
  const file = displayPath(preset.source);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const references = collectReferences(
    doc.get('appConfig', true) as YamlNode | undefined,
    lineCounter,
    new Map(),
    dirname(preset.source),
  );
  collectReferences(
    doc.get('plugins', true) as YamlNode | undefined,
    lineCounter,
    references,
  );
  const declared = preset.requires.variables;
  const declaredNames = Object.keys(declared);
  const declaredAt = declarationPositions(doc, lineCounter, [
    'requires',
    'variables',
  ]);
  const derived = preset.derived;
  const derivedAt = declarationPositions(doc, lineCounter, ['derived']);
  const findings: LintFinding[] = [];
  const find = (finding: Omit<LintFinding, 'file'>) =>
    findings.push({ file, ...finding });

  const inherited = inheritedVariables(preset, context.known);
  // What the derived variables read is referenced where they are declared.
  const derivedReferences: References = new Map();
  for (const [name, variable] of Object.entries(derived)) {
    for (const input of derivedInputs(variable)) {
      if (input !== name && !derivedReferences.has(input)) {
        derivedReferences.set(input, derivedAt.get(name));
      }
    }
  }
  for (const [name, position] of [...references, ...derivedReferences]) {
    if (
      Object.hasOwn(declared, name) ||
      Object.hasOwn(derived, name) ||
      inherited.has(name) ||
      context.platform.has(name)
    ) {
      continue;
    }
    const close = closestName(name, [
      ...declaredNames,
      ...Object.keys(derived),
      ...context.platform,
    ]);
    // Names in references are whatever the file holds between ${ and }.
    const shown = excerpt(name);
    find({
      rule: 'undeclared-variable',
      ...position,
      message: `preset "${preset.name}" uses \${${shown}}, which is not declared in requires.variables (its own or a required preset's) and is not a platform variable`,
      hint: close
        ? `did you mean ${excerpt(
            close,
          )}? Otherwise declare ${shown} under requires.variables`
        : `declare ${shown} under requires.variables with a description, required: and docs:`,
    });
  }

  preset.plugins.forEach((entry, index) => {
    const pinned = entry.package.match(RELEASE_PIN)?.[1];
    if (context.release && pinned && pinned !== context.release) {
      find({
        rule: 'other-backstage-release',
        ...positionOf(doc, lineCounter, ['plugins', String(index), 'package']),
        message: `plugin "${excerpt(
          entry.package,
          REFERENCE_EXCERPT_LENGTH,
        )}" is pinned to Backstage ${pinned}, but backstage.json is on ${excerpt(
          context.release,
        )}`,
        hint: 'write bs_${BACKSTAGE_VERSION} so the reference follows backstage.json',
      });
    }
  });

  const inputs = derivationInputs(derived, references.keys());
  for (const name of Object.keys(derived)) {
    if (!references.has(name) && !inputs.has(name)) {
      const shown = excerpt(name);
      find({
        rule: 'unused-variable',
        ...derivedAt.get(name),
        message: `derived variable ${shown} is declared but never used in appConfig or plugins`,
        hint: `use \${${shown}} where it belongs, or remove the declaration`,
      });
    }
  }
  aliasFindings(preset, context.owners, declaredAt).forEach(find);
  const prefixes = variablePrefixes(preset.name);
  for (const [name, variable] of Object.entries(declared)) {
    const position = declaredAt.get(name);
    const shown = excerpt(name);
    if (variable.required && !variable.docs) {
      find({
        rule: 'undocumented-variable',
        ...position,
        message: `required variable ${shown} has no docs link: an operator missing it is not told where to get it`,
        hint: `add docs: with a link that explains where to get the value of ${shown}`,
      });
    }
    if (!references.has(name) && !inputs.has(name)) {
      find({
        rule: 'unused-variable',
        ...position,
        message: `variable ${shown} is declared but never used in appConfig or plugins`,
        hint: `use \${${shown}} where it belongs, or remove the declaration`,
      });
    }
    if (!prefixes.some(prefix => name.startsWith(prefix))) {
      find({
        rule: 'foreign-prefix',
        ...position,
        message: `variable ${shown} does not start with ${prefixes.join(
          ' or ',
        )}, the prefix of preset "${preset.name}"`,
        hint: `rename it to ${prefixes[0]}... unless it is shared with other presets on purpose`,
      });
    }
    if (variable.secret === undefined && looksLikeSecretName(name)) {
      find({
        rule: 'secret-flag-missing',
        ...position,
        message: `variable ${shown} looks like a credential but has no secret: flag (it is inferred as secret from its name)`,
        hint: 'add secret: true, or secret: false if its value may be shown in logs',
      });
    }
  }
  const oneOfAt = positionOf(doc, lineCounter, ['requires', 'oneOf']);
  for (const name of new Set(preset.requires.oneOf.flat())) {
    const shown = excerpt(name);
    if (!Object.hasOwn(declared, name)) {
      find({
        rule: 'one-of-variable',
        ...oneOfAt,
        message: `requires.oneOf names ${shown}, which is not declared in requires.variables`,
        hint: `declare ${shown} under requires.variables with required: false, a description and docs:`,
      });
    } else if (declared[name].required) {
      find({
        rule: 'one-of-variable',
        ...declaredAt.get(name),
        message: `variable ${shown} is in a set of requires.oneOf but marked required: true, so the other sets can never stand in for it`,
        hint: `write required: false: requires.oneOf decides when ${shown} is needed`,
      });
    }
  }
  return findings;
}

const ERROR_RULES: ReadonlySet<LintRule> = new Set<LintRule>([
  'invalid-file',
  'undeclared-variable',
  'other-backstage-release',
  'undocumented-variable',
  'alias-collision',
  'one-of-variable',
]);

/**
 * A parser problem as a finding. The parser puts the location in front of
 * its message (`<file>:<line>:<column>: ...`), under the path lint gave it.
 */
function problemFinding(
  problem: PresetProblem,
  shownPath: string,
): LintFinding {
  const location = problem.message.startsWith(shownPath)
    ? /^([^:]*)(?::(\d+):(\d+))?: ([\s\S]*)$/.exec(
        problem.message.slice(shownPath.length),
      )
    : null;
  if (!location) {
    return {
      rule: 'invalid-file',
      file: shownPath,
      message: problem.message,
      ...(problem.hint && { hint: problem.hint }),
    };
  }
  const [, rest, line, column, message] = location;
  return {
    rule: 'invalid-file',
    file: shownPath + rest,
    ...(line && { line: Number(line), column: Number(column) }),
    message,
    ...(problem.hint && { hint: problem.hint }),
  };
}

function unreadable(shown: string, error: unknown): LintFinding {
  return {
    rule: 'invalid-file',
    file: shown,
    message: `cannot be read: ${
      (error as NodeJS.ErrnoException).code ?? 'unknown error'
    }`,
    hint: 'give the path of a readable preset file or folder of preset files',
  };
}

/** A valid preset lint read, and how to read its file again for positions. */
interface LintedPreset {
  preset: Preset;
  read: ReadPresetFileOptions;
}

/** The valid presets and parser problems of one path, file or folder. */
function readPath(path: string): {
  presets: LintedPreset[];
  findings: LintFinding[];
} {
  const shown = displayPath(path);
  let isDirectory: boolean;
  try {
    isDirectory = fs.statSync(path).isDirectory();
  } catch (error) {
    return { presets: [], findings: [unreadable(shown, error)] };
  }
  if (isDirectory) {
    const catalog = loadPresetCatalog({ shippedDir: path });
    // Read again with the same rule as the catalog's: inside the folder.
    const read = { folderRealPath: fs.realpathSync(path) };
    return {
      presets: [...catalog.presets.values()].map(preset => ({ preset, read })),
      findings: catalog.problems.map(p => problemFinding(p, shown)),
    };
  }
  // A file named on the command line is read where it is, links followed,
  // with the size and file type rules of a preset folder's files.
  const { text, problem } = readPresetFile(path);
  if (problem) {
    return { presets: [], findings: [problemFinding(problem, shown)] };
  }
  const parsed = parsePresetFile(path, text);
  return {
    presets: parsed.preset ? [{ preset: parsed.preset, read: {} }] : [],
    findings: parsed.problems.map(p => problemFinding(p, shown)),
  };
}

function byLocation(a: LintFinding, b: LintFinding): number {
  return (
    a.file.localeCompare(b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0)
  );
}

/**
 * Lints preset files and folders of preset files. Never throws for a user
 * mistake: every finding of every file is returned, errors apart from
 * warnings.
 */
export function lintPresets(paths: string[], options: LintOptions): LintResult {
  const reads = paths.map(p => readPath(resolve(p)));
  const linted = reads.flatMap(read => read.presets);
  // Dependencies resolve among the linted presets first, then the shipped
  // catalog, so one new preset can be linted against what it builds on.
  const shipped = loadPresetCatalog({
    shippedDir: defaultShippedDir(options.rootDir),
  }).presets;
  const known = new Map([
    ...shipped,
    ...linted.map(({ preset }) => [preset.name, preset] as const),
  ]);
  const context: PresetLintContext = {
    platform: platformVariables(options.rootDir),
    release: readBackstageVersion(options.rootDir),
    known,
    owners: variableNameOwners(known.values()),
  };
  const findings = reads.flatMap(read => read.findings);
  for (const { preset, read } of linted) {
    // Lint needs positions, which the catalog does not keep: the file is
    // read again, under the rules it was first read with.
    const { text, problem } = readPresetFile(preset.source, read);
    if (problem) {
      findings.push(problemFinding(problem, displayPath(preset.source)));
      continue;
    }
    findings.push(...lintPreset(preset, text, context));
  }
  findings.sort(byLocation);
  const errors = findings.filter(f => ERROR_RULES.has(f.rule));
  return {
    ok: errors.length === 0,
    errors,
    warnings: findings.filter(f => !ERROR_RULES.has(f.rule)),
  };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * The lint report for a terminal: `file:line:column: level: message` (the
 * form editors and terminals turn into a link) and a fix hint each.
 */
export function formatLintResult(result: LintResult, paint: Paint): string {
  const lines: string[] = [];
  const add = (finding: LintFinding, level: string) => {
    const where = `${finding.file}${finding.line ? `:${finding.line}` : ''}${
      finding.line && finding.column ? `:${finding.column}` : ''
    }`;
    lines.push(`${where}: ${level}: ${finding.message} [${finding.rule}]`);
    if (finding.hint) {
      lines.push(`    Fix: ${finding.hint}`);
    }
  };
  const all = [
    ...result.errors.map(f => ({ f, level: paint.red('error') })),
    ...result.warnings.map(f => ({ f, level: paint.yellow('warning') })),
  ].sort((a, b) => byLocation(a.f, b.f));
  all.forEach(({ f, level }) => add(f, level));
  const summary = `${plural(result.errors.length, 'error')}, ${plural(
    result.warnings.length,
    'warning',
  )}`;
  lines.push(
    all.length > 0 ? `\n${summary}` : `${paint.green('ok')}: ${summary}`,
  );
  return `${lines.join('\n')}\n`;
}
