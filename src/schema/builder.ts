import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import { getNullableType, GraphQLError, GraphQLInputObjectType, GraphQLList, type GraphQLFieldResolver, type GraphQLInputType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { isMultiline, textProblem } from '../domain/job-input';
import { badInput } from '../errors';
import type { Application, Company, User } from '../generated/prisma/client';
import type { JobRow } from '../queries/columns';
import type { Context } from '../context';

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when the client asks for totalCount. */
  totalCount: () => Promise<number>;
}

/** Every text in an argument (String or ID, at any depth of input objects and lists), against the one rule. */
function checkText(value: unknown, type: GraphQLInputType, path: string, field: string): void {
  if (value == null) return;
  const t = getNullableType(type);
  if (t instanceof GraphQLList) (value as unknown[]).forEach((v, i) => checkText(v, t.ofType, `${path}.${i}`, field));
  else if (t instanceof GraphQLInputObjectType) {
    for (const [name, f] of Object.entries(t.getFields())) checkText((value as Record<string, unknown>)[name], f.type, `${path}.${name}`, name);
  } else if (typeof value === 'string') {
    const problem = textProblem(value, isMultiline(field));
    if (problem) throw badInput(`\`${path}\` ${problem}`, path);
  }
}

/**
 * Checks the text arguments of every field before its resolver runs: no resolver needs to
 * remember it, and no control character or broken Unicode reaches SQL (PostgreSQL refuses
 * NUL with an error that would otherwise surface as INTERNAL_SERVER_ERROR).
 */
class TextArgsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: PothosOutputFieldConfig<Types>) {
    if (Object.keys(fieldConfig.args).length === 0) return resolver;
    const wrapped: GraphQLFieldResolver<unknown, Types['Context'], object> = (parent, args, ctx, info) => {
      for (const arg of info.parentType.getFields()[info.fieldName].args) checkText((args as Record<string, unknown>)[arg.name], arg.type, arg.name, arg.name);
      return resolver(parent, args, ctx, info);
    };
    return wrapped;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how a Pothos plugin declares its types
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      textArgs: TextArgsPlugin<Types>;
    }
  }
}
SchemaBuilder.registerPlugin('textArgs', TextArgsPlugin);

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  Objects: {
    Job: JobRow;
    Company: Company;
    User: User;
    Application: Application;
    JobConnection: ConnectionShape<JobRow>;
    ApplicationConnection: ConnectionShape<Application>;
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ComplexityPlugin, 'textArgs'],
  // Cost: 1 per field; lists cost what their `first` asks for (see listCost), not a guess.
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 1,
    limit: (ctx) => ({ complexity: ctx.limits.cost }),
    complexityError: (_kind, result) =>
      new GraphQLError(`query cost ${result.complexity} exceeds the limit of ${result.maxComplexity}: ask for fewer items (first) or fewer nested lists`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', cost: result.complexity, limit: result.maxComplexity },
      }),
  },
});

/**
 * Cost of a list field: `base`, plus its selection times the items asked for. Out-of-range
 * `first` is left to the resolver's clear BAD_USER_INPUT, so the multiplier stays within range.
 */
export const listCost =
  (base: number, defaultFirst: number, maxFirst = 100) =>
  (args: { first?: number | null }) => ({
    field: base,
    multiplier: Math.min(maxFirst, Math.max(1, args.first ?? defaultFirst)),
  });

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({ description: 'Reads of the job platform.' });
builder.mutationType({ description: 'Writes. Each runs in one transaction and returns what it changed.' });
