import SchemaBuilder, {
  BasePlugin,
  isThenable,
  type FieldNullability,
  type InputFieldMap,
  type InputShapeFromFields,
  type PothosOutputFieldConfig,
  type SchemaTypes,
  type ShapeFromTypeParam,
  type TypeParam,
} from '@pothos/core';
import { defaultFieldResolver, type GraphQLFieldResolver } from 'graphql';
import type { Viewer } from '../auth/viewer';
import type { Entity, Freshness, ResultHints } from '../domain/changes';
import type { Context, ExecutionContext } from './context';

/** Something a result depends on, named as the response cache tags it (cache/tags.ts via ResultHints). */
export type Read =
  /** It shows, or looked for, this entity. */
  | { entity: Entity; id: number }
  /** It lists active jobs matching this filter. */
  | { jobList: { jobType?: string | null; companyId?: string | number | null } }
  /** It shows a job's similar-jobs list. */
  | { similarList: number }
  | 'trending'
  | 'searchTerms'
  | 'stats';

/** What a declaration's functions see of a field that resolved. */
export interface Resolved<Parent, Args, Result> {
  parent: Parent;
  args: Args;
  result: Result;
  /** Reachable only when the field declares `viewer: true`; throws otherwise. */
  viewer: Viewer | null;
}

/**
 * How a field's result may be cached, stated beside the field: every Query, Mutation and
 * Subscription field has one (the schema does not build otherwise), object fields where they
 * add something. The plugin below applies it around the resolver, which calls no cache hints.
 */
export interface CacheDeclaration<Parent = unknown, Args = unknown, Result = unknown> {
  /** A mutation: its result is never cached (and what it changed is invalidated by the write). */
  write?: true;
  /** The TTL class the result is kept for; a result is kept for the shortest its fields declare ('list' when none does). */
  freshness?: Freshness | ((field: Resolved<Parent, Args, Result>) => Freshness);
  /** What the result depends on besides the entities it returns (entity-tags.ts tags those). */
  tags?: (field: Resolved<Parent, Args, Result>) => readonly Read[];
  /**
   * The answer (a null or an error included) depends on who asks: the result is cached per
   * viewer only. A function says so for some arguments only (those reserved to some roles), so
   * that the others' answers stay shared.
   */
  viewer?: boolean | ((args: Args) => boolean);
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how a Pothos plugin declares its types
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      cacheDeclaration: CacheDeclarationPlugin<Types>;
    }
    /* eslint-disable @typescript-eslint/no-unused-vars -- a merged declaration repeats every type parameter */
    interface FieldOptions<
      Types extends SchemaTypes = SchemaTypes,
      ParentShape = unknown,
      Type extends TypeParam<Types> = TypeParam<Types>,
      Nullable extends FieldNullability<Type> = FieldNullability<Type>,
      Args extends InputFieldMap = InputFieldMap,
      ResolveShape = unknown,
      ResolveReturnShape = unknown,
    > {
      cache?: CacheDeclaration<ParentShape, InputShapeFromFields<Args>, ShapeFromTypeParam<Types, Type, Nullable>>;
    }
    /* eslint-enable @typescript-eslint/no-unused-vars */
  }
}

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

export const declarationOf = (fieldConfig: PothosOutputFieldConfig<SchemaTypes>) => (fieldConfig.pothosOptions as { cache?: CacheDeclaration }).cache;

function record(hints: ResultHints, read: Read): void {
  if (read === 'trending') hints.trending();
  else if (read === 'searchTerms') hints.searchTerms();
  else if (read === 'stats') hints.stats();
  else if ('entity' in read) hints.entity(read.entity, read.id);
  else if ('jobList' in read) hints.jobList(read.jobList);
  else hints.similarList(read.similarList);
}

const refusedViewer = (field: string) => () => {
  throw new Error(`${field} reads ctx.auth.viewer but its cache declaration lacks \`viewer: true\`: its result would be shared between viewers`);
};

// One guarded view per request, shared by every field that did not declare the viewer: one
// allocation per request rather than per field, and the same object for all of them (Pothos
// plugins cache per context object). The error's path names the field that read it.
const guardedViews = new WeakMap<Context, Context>();
const refuseUndeclared = refusedViewer("This field (the error's path)");
const guardedView = (ctx: Context): Context => {
  let guarded = guardedViews.get(ctx);
  if (!guarded)
    guardedViews.set(ctx, (guarded = Object.create(ctx, { auth: { value: Object.defineProperty({}, 'viewer', { get: refuseUndeclared }) } }) as Context));
  return guarded;
};

/**
 * Applies each field's CacheDeclaration. A field declaring `viewer` reads the viewer before its
 * resolver runs, which is what makes the result per viewer (http/context.ts), so no path of
 * the resolver (an early null, an error) can answer before that.
 *
 * Any other resolver gets a context whose `auth.viewer` throws, naming the field: reading who
 * asks without declaring it would otherwise make a result that depends on the viewer look
 * shareable, or (through the getter) silently private. Failing at the first test that touches
 * the field is the only outcome that cannot reach production unnoticed. Resolvers that take
 * fewer than three parameters cannot reach the context and stay unwrapped, as do exposed
 * fields, so plain fields of a long list cost nothing.
 */
class CacheDeclarationPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>) {
    const declared = declarationOf(fieldConfig as PothosOutputFieldConfig<SchemaTypes>);
    const where = `${fieldConfig.parentType}.${fieldConfig.name}`;
    if (ROOTS.has(fieldConfig.kind) && !declared) throw new Error(`${where} has no cache declaration (\`cache: { … }\`, see schema/cache-declaration.ts)`);
    if (declared && (fieldConfig.kind === 'Mutation') !== (declared.write === true)) {
      throw new Error(`${where}: \`write: true\` declares a mutation, and only a mutation`);
    }
    return fieldConfig;
  }

  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: PothosOutputFieldConfig<Types>) {
    const declared = declarationOf(fieldConfig as PothosOutputFieldConfig<SchemaTypes>) ?? {};
    const { freshness, tags } = declared;
    const perViewer = declared.viewer ?? false;
    if (!perViewer && !freshness && !tags && (resolver === defaultFieldResolver || resolver.length < 3)) return resolver;
    const refuse = refusedViewer(`${fieldConfig.parentType}.${fieldConfig.name}`);
    const wrapped: GraphQLFieldResolver<unknown, Types['Context'], object> = (parent, args, context, info) => {
      const ctx = context as ExecutionContext;
      const viewer = typeof perViewer === 'function' ? perViewer(args) : perViewer;
      const who = viewer ? ctx.auth.viewer : undefined;
      const result: unknown = resolver(parent, args, viewer ? ctx : guardedView(ctx), info);
      if (!freshness && !tags) return result;
      const apply = (value: unknown) => {
        const field = {
          parent,
          args,
          result: value,
          get viewer() {
            return viewer ? (who ?? null) : refuse();
          },
        };
        for (const read of tags?.(field) ?? []) record(ctx.cache, read);
        if (freshness) ctx.cache.freshness(typeof freshness === 'function' ? freshness(field) : freshness);
        return value;
      };
      return isThenable(result) ? Promise.resolve(result).then(apply) : apply(result);
    };
    return wrapped;
  }
}

SchemaBuilder.registerPlugin('cacheDeclaration', CacheDeclarationPlugin);
