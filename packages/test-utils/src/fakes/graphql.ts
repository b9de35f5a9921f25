/*
 * GraphQL for the protocol fakes, on graphql-js: a schema built from the SDL
 * of what the upstream clients query, resolvers over the fake's state, and
 * a runner that validates before it executes, so a query asking for a field
 * the real service lacks fails as a whole (as GitHub's and GitLab's APIs
 * do) instead of getting a silent partial answer. How an error reads is the
 * service's own convention: each fake formats graphql-js's errors its way.
 */
import {
  buildSchema,
  execute,
  GraphQLError,
  GraphQLSchema,
  isInterfaceType,
  isObjectType,
  parse,
  validate,
} from 'graphql';

/** A resolver of one field: the parent value, the field's arguments, the fake's context. */
export type FieldResolver<TContext> = (
  source: any,
  args: Record<string, any>,
  context: TContext,
) => unknown;

/** Resolvers by type and field; an interface names its concrete type with `__resolveType`. */
export type Resolvers<TContext> = Record<
  string,
  Record<string, FieldResolver<TContext>>
>;

/** A field error a resolver throws: the field becomes null and the error is listed, with the service's error type. */
export class GraphqlFieldError extends Error {
  constructor(message: string, readonly type?: string) {
    super(message);
    this.name = 'GraphqlFieldError';
  }
}

/**
 * The schema of `sdl` with `resolvers` attached. A field without a resolver
 * reads the property of its name, as graphql-js does by default.
 */
export function fakeSchema<TContext>(
  sdl: string,
  resolvers: Resolvers<TContext>,
): GraphQLSchema {
  const schema = buildSchema(sdl);
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (isInterfaceType(type)) {
      const { __resolveType, ...rest } = fields;
      if (Object.keys(rest).length > 0) {
        throw new Error(`resolve the fields of ${typeName} on its types`);
      }
      type.resolveType = (value, context) =>
        __resolveType(value, {}, context as TContext) as string;
      continue;
    }
    if (!isObjectType(type)) {
      throw new Error(`the schema has no object type ${typeName}`);
    }
    const typeFields = type.getFields();
    for (const [fieldName, resolve] of Object.entries(fields)) {
      if (!typeFields[fieldName]) {
        throw new Error(`the schema has no field ${typeName}.${fieldName}`);
      }
      typeFields[fieldName].resolve = (source, args, context) =>
        resolve(source, args, context);
    }
  }
  return schema;
}

/** A GraphQL request body, as clients post it. */
export interface GraphqlRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** A GraphQL response body: `{ data }`, `{ data, errors }` or `{ errors }`. */
export interface GraphqlResponse {
  data?: unknown;
  errors?: unknown[];
}

/**
 * Parses, validates and runs a request; parse and validation errors answer
 * `{ errors }` without `data`. `formatError` writes each error the way the
 * service does.
 */
export function runGraphql<TContext>(
  schema: GraphQLSchema,
  request: GraphqlRequest,
  context: TContext,
  formatError: (error: GraphQLError) => unknown,
): GraphqlResponse {
  if (typeof request.query !== 'string') {
    return {
      errors: [
        {
          message: 'A query attribute must be specified and must be a string.',
        },
      ],
    };
  }
  let document;
  try {
    document = parse(request.query);
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [formatError(error)] };
    throw error;
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return { errors: invalid.map(formatError) };
  const result = execute({
    schema,
    document,
    contextValue: context,
    variableValues: (request.variables ?? {}) as Record<string, unknown>,
    operationName:
      typeof request.operationName === 'string'
        ? request.operationName
        : undefined,
  });
  if ('then' in result) {
    throw new Error('the fakes resolve synchronously');
  }
  return result.errors
    ? { ...result, errors: result.errors.map(formatError) }
    : { data: result.data };
}
