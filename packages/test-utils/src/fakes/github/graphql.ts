/*
 * A small GraphQL engine for protocol fakes: it parses a query document,
 * validates it against a schema the fake declares (types, fields, arguments,
 * leaf and object selections) and executes it, answering exactly the fields
 * asked, under their aliases and in the order asked. Validation comes first
 * and fails the whole request, as GitHub's API does, so a query that asks for
 * a field the real API lacks is an error here too.
 *
 * Written here rather than taken from `graphql-js` because the e2e package
 * declares no GraphQL dependency; it covers queries, variables with
 * defaults, aliases, arguments, `@include`/`@skip`, inline fragments and
 * named fragments, which is what GitHub's clients send.
 */

/** A GraphQL input value after variables are substituted. */
export type GraphqlValue =
  | string
  | number
  | boolean
  | null
  | GraphqlValue[]
  | { [key: string]: GraphqlValue };

type ValueNode =
  | { kind: 'variable'; name: string }
  | { kind: 'literal'; value: GraphqlValue }
  | { kind: 'list'; values: ValueNode[] }
  | { kind: 'object'; fields: Record<string, ValueNode> };

interface FieldNode {
  kind: 'field';
  alias?: string;
  name: string;
  args: Record<string, ValueNode>;
  directives: DirectiveNode[];
  selections?: SelectionNode[];
  line: number;
  column: number;
}

interface FragmentNode {
  kind: 'inlineFragment';
  typeCondition?: string;
  directives: DirectiveNode[];
  selections: SelectionNode[];
}

interface SpreadNode {
  kind: 'spread';
  name: string;
  directives: DirectiveNode[];
}

type SelectionNode = FieldNode | FragmentNode | SpreadNode;

interface DirectiveNode {
  name: string;
  args: Record<string, ValueNode>;
}

interface VariableDefinition {
  name: string;
  type: string;
  defaultValue?: ValueNode;
}

interface OperationNode {
  name?: string;
  variables: VariableDefinition[];
  selections: SelectionNode[];
}

interface DocumentNode {
  operations: OperationNode[];
  fragments: Map<
    string,
    { typeCondition: string; selections: SelectionNode[] }
  >;
}

/** One entry of a GraphQL response's `errors`, shaped like GitHub's. */
export interface GraphqlError {
  message: string;
  type?: string;
  path?: Array<string | number>;
  locations?: Array<{ line: number; column: number }>;
  extensions?: Record<string, unknown>;
}

/** A failure the whole request answers with `errors` and no `data`. */
export class GraphqlRequestError extends Error {
  constructor(readonly errors: GraphqlError[]) {
    super(errors.map(e => e.message).join('; '));
    this.name = 'GraphqlRequestError';
  }
}

/** A field error raised by a resolver: the field becomes null, the error is listed. */
export class GraphqlFieldError extends Error {
  constructor(message: string, readonly type?: string) {
    super(message);
    this.name = 'GraphqlFieldError';
  }
}

// ---------------------------------------------------------------- parsing

interface Token {
  kind: 'punct' | 'name' | 'string' | 'number' | 'eof';
  value: string;
  line: number;
  column: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = () => ({ line, column: i - lineStart + 1 });
  while (i < source.length) {
    const c = source[i];
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
    } else if (/[\s,\ufeff]/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', value: '...', ...at() });
      i += 3;
    } else if ('{}()[]:!$=@'.includes(c)) {
      tokens.push({ kind: 'punct', value: c, ...at() });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))![0];
      tokens.push({ kind: 'name', value: match, ...at() });
      i += match.length;
    } else if (/[-0-9]/.test(c)) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
      if (!match) throw syntaxError(`Unexpected character "${c}"`, at());
      tokens.push({ kind: 'number', value: match[0], ...at() });
      i += match[0].length;
    } else if (c === '"') {
      const start = at();
      const match = /^"((?:[^"\\\n]|\\.)*)"/.exec(source.slice(i));
      if (!match) throw syntaxError('Unterminated string', start);
      tokens.push({
        kind: 'string',
        value: JSON.parse(`"${match[1]}"`),
        ...start,
      });
      i += match[0].length;
    } else {
      throw syntaxError(`Unexpected character "${c}"`, at());
    }
  }
  tokens.push({ kind: 'eof', value: '', ...at() });
  return tokens;
}

function syntaxError(
  message: string,
  location: { line: number; column: number },
): GraphqlRequestError {
  return new GraphqlRequestError([
    {
      message: `Parse error on ${message} (at ${location.line}, ${location.column})`,
      locations: [location],
    },
  ]);
}

/** A recursive-descent parser over the token list. */
class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(value?: string): boolean {
    const t = this.tokens[this.pos];
    return value === undefined ? t.kind !== 'eof' : t.value === value;
  }

  private next(): Token {
    return this.tokens[this.pos++];
  }

  private expect(value: string): Token {
    const t = this.next();
    if (t.value !== value || t.kind === 'string') {
      throw syntaxError(`"${t.value}" (expected "${value}")`, t);
    }
    return t;
  }

  private name(): string {
    const t = this.next();
    if (t.kind !== 'name')
      throw syntaxError(`"${t.value}" (expected a name)`, t);
    return t.value;
  }

  document(): DocumentNode {
    const doc: DocumentNode = { operations: [], fragments: new Map() };
    while (this.peek()) {
      if (this.peek('fragment')) {
        this.next();
        const name = this.name();
        this.expect('on');
        const typeCondition = this.name();
        doc.fragments.set(name, {
          typeCondition,
          selections: this.selectionSet(),
        });
      } else {
        doc.operations.push(this.operation());
      }
    }
    return doc;
  }

  private operation(): OperationNode {
    if (this.peek('{')) {
      return { variables: [], selections: this.selectionSet() };
    }
    const kind = this.name();
    if (kind !== 'query') {
      throw new GraphqlRequestError([
        { message: `This fake answers queries only, not ${kind}` },
      ]);
    }
    const name = this.peek('(') || this.peek('{') ? undefined : this.name();
    const variables: VariableDefinition[] = [];
    if (this.peek('(')) {
      this.next();
      while (!this.peek(')')) {
        this.expect('$');
        const varName = this.name();
        this.expect(':');
        const type = this.typeRef();
        let defaultValue: ValueNode | undefined;
        if (this.peek('=')) {
          this.next();
          defaultValue = this.value();
        }
        variables.push({ name: varName, type, defaultValue });
      }
      this.expect(')');
    }
    this.directives();
    return { name, variables, selections: this.selectionSet() };
  }

  private typeRef(): string {
    let type: string;
    if (this.peek('[')) {
      this.next();
      type = `[${this.typeRef()}]`;
      this.expect(']');
    } else {
      type = this.name();
    }
    if (this.peek('!')) {
      this.next();
      type += '!';
    }
    return type;
  }

  private selectionSet(): SelectionNode[] {
    this.expect('{');
    const selections: SelectionNode[] = [];
    while (!this.peek('}')) {
      selections.push(this.selection());
    }
    this.expect('}');
    return selections;
  }

  private selection(): SelectionNode {
    if (this.peek('...')) {
      this.next();
      if (this.peek('on')) {
        this.next();
        const typeCondition = this.name();
        return {
          kind: 'inlineFragment',
          typeCondition,
          directives: this.directives(),
          selections: this.selectionSet(),
        };
      }
      if (this.peek('{') || this.peek('@')) {
        return {
          kind: 'inlineFragment',
          directives: this.directives(),
          selections: this.selectionSet(),
        };
      }
      return {
        kind: 'spread',
        name: this.name(),
        directives: this.directives(),
      };
    }
    const start = this.tokens[this.pos];
    let name = this.name();
    let alias: string | undefined;
    if (this.peek(':')) {
      this.next();
      alias = name;
      name = this.name();
    }
    const args = this.peek('(') ? this.arguments() : {};
    const directives = this.directives();
    const selections = this.peek('{') ? this.selectionSet() : undefined;
    return {
      kind: 'field',
      alias,
      name,
      args,
      directives,
      selections,
      line: start.line,
      column: start.column,
    };
  }

  private arguments(): Record<string, ValueNode> {
    this.expect('(');
    return this.namedValues(')');
  }

  /** `name: value` pairs up to and including `close`: arguments and object values alike. */
  private namedValues(close: ')' | '}'): Record<string, ValueNode> {
    const values: Record<string, ValueNode> = {};
    while (!this.peek(close)) {
      const name = this.name();
      this.expect(':');
      values[name] = this.value();
    }
    this.expect(close);
    return values;
  }

  private directives(): DirectiveNode[] {
    const directives: DirectiveNode[] = [];
    while (this.peek('@')) {
      this.next();
      const name = this.name();
      directives.push({ name, args: this.peek('(') ? this.arguments() : {} });
    }
    return directives;
  }

  private value(): ValueNode {
    const t = this.next();
    if (t.kind === 'punct' && t.value === '$') {
      return { kind: 'variable', name: this.name() };
    }
    if (t.kind === 'string') return { kind: 'literal', value: t.value };
    if (t.kind === 'number') return { kind: 'literal', value: Number(t.value) };
    if (t.kind === 'name') {
      const literals: Record<string, GraphqlValue> = {
        true: true,
        false: false,
        null: null,
      };
      // Enum values are passed on as their names.
      return {
        kind: 'literal',
        value: t.value in literals ? literals[t.value] : t.value,
      };
    }
    if (t.value === '[') {
      const values: ValueNode[] = [];
      while (!this.peek(']')) values.push(this.value());
      this.expect(']');
      return { kind: 'list', values };
    }
    if (t.value === '{') {
      return { kind: 'object', fields: this.namedValues('}') };
    }
    throw syntaxError(`"${t.value}" (expected a value)`, t);
  }
}

// ----------------------------------------------------------------- schema

/** Where a resolver runs: the request's context and the argument values. */
export type Resolver<TContext> = (
  source: any,
  args: Record<string, GraphqlValue>,
  context: TContext,
) => unknown;

/** A field of an object type: its type (`User`, `[User]`, `String`) and arguments. */
export interface FieldDefinition<TContext> {
  /** A type name, in brackets for a list: `Team`, `[User]`, `String`. */
  type: string;
  /** The argument names the field accepts. */
  args?: string[];
  /** Defaults to reading the property of the same name from the source. */
  resolve?: Resolver<TContext>;
}

/** An object type, or an abstract one (interface/union) with `resolveType`. */
export interface TypeDefinition<TContext> {
  fields: Record<string, FieldDefinition<TContext>>;
  /** For an abstract type: the concrete type of a value. */
  resolveType?: (source: any) => string;
  /** For an abstract type: the concrete types its values can have. */
  possibleTypes?: string[];
}

/** Types by name; `Query` is the root; names not listed are leaf (scalar or enum) types. */
export type Schema<TContext> = Record<string, TypeDefinition<TContext>>;

function namedType(type: string): { name: string; list: boolean } {
  const list = type.startsWith('[');
  return { name: type.replace(/[[\]!]/g, ''), list };
}

// ------------------------------------------------------------- validation

interface Validation<TContext> {
  schema: Schema<TContext>;
  doc: DocumentNode;
  declared: Set<string>;
  errors: GraphqlError[];
}

function validateSelections<TContext>(
  v: Validation<TContext>,
  typeName: string,
  selections: SelectionNode[],
  path: string[],
  seenFragments: Set<string>,
): void {
  const type = v.schema[typeName];
  for (const selection of selections) {
    if (selection.kind === 'spread') {
      const fragment = v.doc.fragments.get(selection.name);
      if (!fragment) {
        v.errors.push({
          message: `Fragment ${selection.name} was used, but not defined`,
        });
      } else if (!seenFragments.has(selection.name)) {
        validateFragment(v, typeName, fragment, path, [
          ...seenFragments,
          selection.name,
        ]);
      }
      continue;
    }
    if (selection.kind === 'inlineFragment') {
      validateFragment(
        v,
        typeName,
        {
          typeCondition: selection.typeCondition ?? typeName,
          selections: selection.selections,
        },
        path,
        [...seenFragments],
      );
      continue;
    }
    validateArgumentVariables(v, selection.args);
    selection.directives.forEach(d => validateArgumentVariables(v, d.args));
    if (selection.name === '__typename') continue;
    const field = type.fields[selection.name];
    const fieldPath = [...path, selection.alias ?? selection.name];
    const location = { line: selection.line, column: selection.column };
    if (!field) {
      v.errors.push({
        path: fieldPath,
        extensions: {
          code: 'undefinedField',
          typeName,
          fieldName: selection.name,
        },
        locations: [location],
        message: `Field '${selection.name}' doesn't exist on type '${typeName}'`,
      });
      continue;
    }
    for (const arg of Object.keys(selection.args)) {
      if (!field.args?.includes(arg)) {
        v.errors.push({
          path: [...fieldPath, arg],
          extensions: {
            code: 'argumentNotAccepted',
            name: selection.name,
            typeName: 'Field',
            argumentName: arg,
          },
          locations: [location],
          message: `Field '${selection.name}' doesn't accept argument '${arg}'`,
        });
      }
    }
    const returned = namedType(field.type).name;
    const isObject = returned in v.schema;
    const selectionMismatch = (message: string) =>
      v.errors.push({
        path: fieldPath,
        extensions: {
          code: 'selectionMismatch',
          nodeName: `field '${selection.name}'`,
        },
        locations: [location],
        message,
      });
    if (isObject && !selection.selections) {
      selectionMismatch(
        `Field must have selections (field '${selection.name}' returns ${returned} but has no selections. Did you mean '${selection.name} { ... }'?)`,
      );
    } else if (!isObject && selection.selections) {
      selectionMismatch(
        `Selections can't be made on scalars (field '${
          selection.name
        }' returns ${returned} but has selections [${selection.selections
          .map(s => (s.kind === 'field' ? s.name : '...'))
          .join(', ')}])`,
      );
    } else if (isObject) {
      validateSelections(
        v,
        returned,
        selection.selections!,
        fieldPath,
        seenFragments,
      );
    }
  }
}

function validateFragment<TContext>(
  v: Validation<TContext>,
  typeName: string,
  fragment: { typeCondition: string; selections: SelectionNode[] },
  path: string[],
  seenFragments: string[],
): void {
  const condition = fragment.typeCondition;
  const type = v.schema[typeName];
  const applies =
    condition === typeName ||
    type.possibleTypes?.includes(condition) ||
    v.schema[condition]?.possibleTypes?.includes(typeName);
  if (!v.schema[condition] || !applies) {
    v.errors.push({
      path,
      message: `Fragment on ${condition} can't be spread inside ${typeName}`,
    });
    return;
  }
  validateSelections(
    v,
    condition,
    fragment.selections,
    path,
    new Set(seenFragments),
  );
}

function validateArgumentVariables<TContext>(
  v: Validation<TContext>,
  args: Record<string, ValueNode>,
): void {
  const visit = (node: ValueNode): void => {
    if (node.kind === 'variable' && !v.declared.has(node.name)) {
      v.errors.push({
        message: `Variable $${node.name} is used by anonymous query but not declared`,
      });
    } else if (node.kind === 'list') {
      node.values.forEach(visit);
    } else if (node.kind === 'object') {
      Object.values(node.fields).forEach(visit);
    }
  };
  Object.values(args).forEach(visit);
}

// -------------------------------------------------------------- execution

interface Execution<TContext> {
  schema: Schema<TContext>;
  doc: DocumentNode;
  variables: Record<string, GraphqlValue>;
  context: TContext;
  errors: GraphqlError[];
}

function valueOf(
  node: ValueNode,
  variables: Record<string, GraphqlValue>,
): GraphqlValue {
  switch (node.kind) {
    case 'variable':
      return variables[node.name] ?? null;
    case 'literal':
      return node.value;
    case 'list':
      return node.values.map(n => valueOf(n, variables));
    default:
      return argumentValues(node.fields, variables);
  }
}

/** The values of named nodes: a field's arguments, or an input object's fields. */
function argumentValues(
  args: Record<string, ValueNode>,
  variables: Record<string, GraphqlValue>,
): Record<string, GraphqlValue> {
  return Object.fromEntries(
    Object.entries(args).map(([k, n]) => [k, valueOf(n, variables)]),
  );
}

function isIncluded(
  directives: DirectiveNode[],
  variables: Record<string, GraphqlValue>,
): boolean {
  return directives.every(d => {
    const condition = valueOf(
      d.args.if ?? { kind: 'literal', value: true },
      variables,
    );
    if (d.name === 'include') return condition === true;
    if (d.name === 'skip') return condition !== true;
    return true;
  });
}

/** The fields to answer for a value of a concrete type, fragments flattened. */
function collectFields<TContext>(
  ex: Execution<TContext>,
  typeName: string,
  selections: SelectionNode[],
  into: FieldNode[] = [],
): FieldNode[] {
  for (const selection of selections) {
    if (!isIncluded(selection.directives, ex.variables)) continue;
    if (selection.kind === 'field') {
      into.push(selection);
      continue;
    }
    const fragment =
      selection.kind === 'spread'
        ? ex.doc.fragments.get(selection.name)!
        : selection;
    const condition = fragment.typeCondition ?? typeName;
    if (
      condition === typeName ||
      ex.schema[condition]?.possibleTypes?.includes(typeName)
    ) {
      collectFields(ex, typeName, fragment.selections, into);
    }
  }
  return into;
}

function executeObject<TContext>(
  ex: Execution<TContext>,
  typeName: string,
  source: unknown,
  selections: SelectionNode[],
  path: Array<string | number>,
): Record<string, unknown> {
  const abstract = ex.schema[typeName];
  const concrete = abstract.resolveType
    ? abstract.resolveType(source)
    : typeName;
  const type = ex.schema[concrete];
  const result: Record<string, unknown> = {};
  for (const field of collectFields(ex, concrete, selections)) {
    const key = field.alias ?? field.name;
    if (field.name === '__typename') {
      result[key] = concrete;
      continue;
    }
    const definition = type.fields[field.name];
    const fieldPath = [...path, key];
    try {
      const args = argumentValues(field.args, ex.variables);
      const raw = definition.resolve
        ? definition.resolve(source, args, ex.context)
        : (source as Record<string, unknown>)[field.name];
      result[key] = completeValue(ex, definition.type, raw, field, fieldPath);
    } catch (error) {
      if (!(error instanceof GraphqlFieldError)) throw error;
      result[key] = null;
      ex.errors.push({
        ...(error.type && { type: error.type }),
        path: fieldPath,
        locations: [{ line: field.line, column: field.column }],
        message: error.message,
      });
    }
  }
  return result;
}

function completeValue<TContext>(
  ex: Execution<TContext>,
  type: string,
  raw: unknown,
  field: FieldNode,
  path: Array<string | number>,
): unknown {
  if (raw === undefined || raw === null) return null;
  const { name, list } = namedType(type);
  if (list) {
    return (raw as unknown[]).map((item, i) =>
      completeValue(ex, name, item, field, [...path, i]),
    );
  }
  if (!(name in ex.schema)) return raw;
  return executeObject(ex, name, raw, field.selections!, path);
}

/** A GraphQL request body, as GitHub's clients post it. */
export interface GraphqlRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/**
 * Validates and runs a request against the schema; resolves to the response
 * body (`{ data }`, `{ data, errors }` or `{ errors }`).
 */
export function runGraphql<TContext>(
  schema: Schema<TContext>,
  request: GraphqlRequest,
  context: TContext,
): { data?: unknown; errors?: GraphqlError[] } {
  try {
    if (typeof request.query !== 'string') {
      throw new GraphqlRequestError([
        {
          message: 'A query attribute must be specified and must be a string.',
        },
      ]);
    }
    const doc = new Parser(tokenize(request.query)).document();
    const operation = pickOperation(doc, request.operationName);
    const provided = (request.variables ?? {}) as Record<string, GraphqlValue>;
    const variables = Object.fromEntries(
      operation.variables.map(d => [
        d.name,
        provided[d.name] ??
          (d.defaultValue ? valueOf(d.defaultValue, {}) : null),
      ]),
    );
    const validation: Validation<TContext> = {
      schema,
      doc,
      declared: new Set(operation.variables.map(d => d.name)),
      errors: [],
    };
    validateSelections(
      validation,
      'Query',
      operation.selections,
      [operation.name ? `query ${operation.name}` : 'query'],
      new Set(),
    );
    if (validation.errors.length > 0) {
      throw new GraphqlRequestError(validation.errors);
    }
    const ex: Execution<TContext> = {
      schema,
      doc,
      variables,
      context,
      errors: [],
    };
    const data = executeObject(ex, 'Query', {}, operation.selections, []);
    return ex.errors.length > 0 ? { data, errors: ex.errors } : { data };
  } catch (error) {
    if (error instanceof GraphqlRequestError) return { errors: error.errors };
    throw error;
  }
}

function pickOperation(
  doc: DocumentNode,
  operationName: unknown,
): OperationNode {
  if (typeof operationName === 'string') {
    const named = doc.operations.find(o => o.name === operationName);
    if (!named) {
      throw new GraphqlRequestError([
        { message: `No operation named "${operationName}"` },
      ]);
    }
    return named;
  }
  if (doc.operations.length !== 1) {
    throw new GraphqlRequestError([
      {
        message:
          'An operation name is required when the document holds more than one operation',
      },
    ]);
  }
  return doc.operations[0];
}
