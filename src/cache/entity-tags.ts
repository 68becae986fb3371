import { defaultFieldResolver, getNamedType, isObjectType, type GraphQLSchema } from 'graphql';
import type { Context } from '../context';

const ENTITIES = new Set(['Job', 'Company', 'User', 'Application']);

function tagValue(ctx: Context, type: string, value: unknown): void {
  if (Array.isArray(value)) value.forEach((v) => tagValue(ctx, type, v));
  else if (value && typeof value === 'object' && 'id' in value) ctx.cache.tag(`${type}:${String(value.id)}`);
}

/**
 * Wraps every field that returns a Job, Company, User or Application (alone, in a list, or as
 * a connection's node) so that the entity is recorded as a tag of the result being cached:
 * a write to `Job:12` then makes stale exactly the cached results that contain job 12.
 */
export function tagEntities(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const returned = getNamedType(field.type).name;
      if (!ENTITIES.has(returned)) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx: Context, info) => {
        const value = resolve(source, args, ctx, info);
        if (value && typeof (value as Promise<unknown>).then === 'function') {
          return (value as Promise<unknown>).then((v) => (tagValue(ctx, returned, v), v));
        }
        tagValue(ctx, returned, value);
        return value;
      };
    }
  }
  return schema;
}
