import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ScopeAuthPlugin, { type AuthFailure } from '@pothos/plugin-scope-auth';
import { getNullableType, GraphQLError, GraphQLInputObjectType, GraphQLList, type GraphQLFieldResolver, type GraphQLInputType } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { requireRole, requireViewer } from '../auth/guards';
import type { Role, Viewer } from '../auth/viewer';
import { isMultiline, textProblem } from '../domain/job-input';
import { badInput, userError } from '../errors';
import type { Application, User } from '../generated/prisma/client';
import type { CompanyRow } from '../data/companies';
import type { JobFilterInput, JobRow } from '../data/jobs';
import type { Facets } from '../data/search';
import type { Context } from './context';
import './cache-declaration';

/** The error a failed scope threw, wherever the plugin nested it (a field's scopes are an `$any` of them). */
function refusalOf(failure: AuthFailure): Error | undefined {
  if ('failures' in failure) return failure.failures.map(refusalOf).find((e) => e !== undefined);
  return ('error' in failure && failure.error) || undefined;
}

/** The context of a resolver behind the `signedIn` or `role` scope. */
export type SignedIn = Context & { readonly auth: { readonly viewer: Viewer } };

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

  // A subscription's arguments reach SQL from its subscribe function (newJobs' filter).
  override wrapSubscribe(subscribe: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined, fieldConfig: PothosOutputFieldConfig<Types>) {
    return subscribe && this.wrapResolve(subscribe, fieldConfig);
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
    Company: CompanyRow;
    User: User;
    Application: Application;
    // With the filter it lists, for what is counted over the whole list (facets, searchInfo).
    JobConnection: ConnectionShape<JobRow> & { filter?: JobFilterInput | null; facets?: () => Promise<Facets> };
    ApplicationConnection: ConnectionShape<Application>;
    CompanyConnection: ConnectionShape<CompanyRow>;
  };
  DefaultFieldNullability: false;
  AuthScopes: { signedIn: boolean; role: Role[] };
  // Past those scopes the resolver may count on a viewer.
  AuthContexts: { signedIn: SignedIn; role: SignedIn };
}>({
  defaultFieldNullability: false,
  // Text arguments are checked before access: either refusal reveals nothing. A field's cache
  // declaration reads the viewer before its scopes do: a refusal is per viewer too.
  plugins: [ComplexityPlugin, 'textArgs', 'cacheDeclaration', ScopeAuthPlugin],
  scopeAuth: {
    // Each scope refuses with the gateway's own error (UNAUTHENTICATED, or FORBIDDEN naming the
    // roles needed), which the plugin passes on as the field's error.
    treatErrorsAsUnauthorized: true,
    unauthorizedError: (_parent, _ctx, _info, { failure, message }) => refusalOf(failure) ?? userError('FORBIDDEN', message),
    authScopes: (ctx) => ({
      signedIn: () => requireViewer(ctx.auth.viewer) != null,
      role: (roles: Role[]) => requireRole(ctx.auth.viewer, ...roles) != null,
    }),
  },
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
