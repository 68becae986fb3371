import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, getNamedType, type GraphQLSchema } from 'graphql';
import type { Entity } from '../../domain/changes';
import type { RequestContext as Context } from '../context';

const ENTITIES = new Set<string>(['Job', 'Company', 'User', 'Application'] satisfies Entity[]);

function tagValue(ctx: Context, type: Entity, value: unknown): void {
  if (Array.isArray(value)) value.forEach((v) => tagValue(ctx, type, v));
  else if (value && typeof value === 'object' && 'id' in value) ctx.cache.entity(type, value.id as number);
}

/**
 * The schema with every field that returns a Job, Company, User or Application (alone, in a
 * list, or as a connection's node) wrapped so that the entity is recorded as a tag of the
 * result being cached: a write to job 12 then makes stale exactly the cached results that
 * contain it. Done here rather than in each resolver, so that the schema knows nothing of tags.
 */
export function tagEntities(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const returned = getNamedType(field.type).name;
      if (!ENTITIES.has(returned)) return field;
      const type = returned as Entity;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        resolve: (source, args, ctx: Context, info) => {
          const value: unknown = resolve(source, args, ctx, info);
          if (value && typeof (value as Promise<unknown>).then === 'function') {
            return (value as Promise<unknown>).then((v) => (tagValue(ctx, type, v), v));
          }
          tagValue(ctx, type, value);
          return value;
        },
      };
    },
  });
}
