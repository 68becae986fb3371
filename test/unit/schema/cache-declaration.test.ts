import SchemaBuilder from '@pothos/core';
import { graphql, type GraphQLObjectType } from 'graphql';
import type { Viewer } from '../../../src/auth/viewer';
import { RequestCacheState } from '../../../src/cache/request-state';
import { entityTag, jobListTag, SEARCH_TERMS, similarListTag, STATS, TRENDING } from '../../../src/cache/tags';
import { schema } from '../../../src/schema';
import type { CacheDeclaration } from '../../../src/schema/cache-declaration';
import type { Context } from '../../../src/schema/context';

const declarationOf = (type: GraphQLObjectType | null | undefined, field: string) =>
  (type?.getFields()[field].extensions.pothosOptions as { cache?: CacheDeclaration } | undefined)?.cache;

describe('cache declarations of the schema', () => {
  it('declare every Query, Mutation and Subscription field; mutations as writes, nothing else', () => {
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
    const fields = roots.flatMap((type) => Object.keys(type?.getFields() ?? {}).map((name) => ({ type, name })));
    expect(fields.length).toBeGreaterThan(10);
    const named = (list: typeof fields) => list.map(({ type, name }) => `${type?.name}.${name}`);
    expect(named(fields.filter(({ type, name }) => !declarationOf(type, name)))).toEqual([]);
    expect(named(fields.filter(({ type, name }) => (declarationOf(type, name)?.write === true) !== (type === schema.getMutationType())))).toEqual([]);
  });
});

/** A context as http/context.ts makes it: reading the viewer makes the result private. */
function contextFor(viewer: Viewer | null) {
  const cache = new RequestCacheState();
  const auth = {
    get viewer() {
      cache.private = true;
      return viewer;
    },
  };
  return { cache, auth } as unknown as Context & { cache: RequestCacheState };
}

type Parent = { id: number };

// The gateway's other plugins declare their options for every builder; this one installs none of them.
const pluginOnly = { plugins: ['cacheDeclaration'] } as never;

/** A schema of its own, with the plugin and fields declared as the real ones are. */
function testSchema() {
  const builder = new SchemaBuilder<{ Context: Context; Objects: { Thing: Parent } }>(pluginOnly);
  builder.objectType('Thing', {
    fields: (t) => ({
      id: t.exposeID('id'),
      related: t.int({ cache: { tags: ({ parent }) => [{ similarList: parent.id }] }, resolve: (p) => p.id + 1 }),
      sneaky: t.string({ resolve: (_p, _a, ctx) => String(ctx.auth.viewer?.userId) }),
      mine: t.string({ cache: { viewer: true }, resolve: (_p, _a, ctx) => String(ctx.auth.viewer?.userId) }),
    }),
  });
  builder.queryType({
    fields: (t) => ({
      thing: t.field({
        type: 'Thing',
        args: { id: t.arg.int({ required: true }), search: t.arg.string() },
        cache: {
          freshness: ({ args }) => (args.search ? 'search' : 'page'),
          tags: ({ args, result }) => [{ entity: 'Job', id: args.id }, ...(result ? [{ jobList: { companyId: result.id } }] : [])],
        },
        resolve: async (_r, { id }) => (id > 0 ? { id } : null),
      }),
      trending: t.int({ cache: { freshness: 'trending', tags: () => ['trending', 'searchTerms', 'stats'] }, resolve: () => 1 }),
      refused: t.int({
        cache: { viewer: true },
        resolve: () => {
          throw new Error('no');
        },
      }),
      tagsReadViewer: t.int({ cache: { tags: ({ viewer }) => [{ entity: 'User', id: viewer?.userId ?? 0 }] }, resolve: () => 1 }),
    }),
  });
  return builder.toSchema();
}

describe('the cache-declaration plugin', () => {
  const s = testSchema();
  const viewer: Viewer = { userId: 7, role: 'SEEKER', companyId: null };
  const run = async (source: string) => {
    const ctx = contextFor(viewer);
    const result = await graphql({ schema: s, source, contextValue: ctx });
    return { result, cache: ctx.cache };
  };

  it('records the tags and freshness a field declares, from its arguments, parent and result', async () => {
    const { result, cache } = await run('{ thing(id: 3, search: "x") { id related } trending }');
    expect(result.errors).toBeUndefined();
    expect([...cache.tags].sort()).toEqual([entityTag('Job', 3), ...jobListTag({ companyId: 3 }), similarListTag(3), TRENDING, SEARCH_TERMS, STATS].sort());
    expect([...cache.ttlKinds].sort()).toEqual(['search', 'trending']);
    expect(cache.private).toBe(false);
  });

  it('records a null result’s dependencies too (a cached null goes stale when the id comes to exist)', async () => {
    const { result, cache } = await run('{ thing(id: -1) { id } }');
    expect(result.data).toEqual({ thing: null });
    expect([...cache.tags]).toEqual([entityTag('Job', -1)]);
    expect([...cache.ttlKinds]).toEqual(['page']);
  });

  it('makes the result private before a field declaring the viewer resolves, even when it fails', async () => {
    const { result, cache } = await run('{ refused }');
    expect(result.errors?.[0].message).toBe('no');
    expect(cache.private).toBe(true);
    const mine = await run('{ thing(id: 1) { mine } }');
    expect(mine.result.data).toEqual({ thing: { mine: '7' } });
    expect(mine.cache.private).toBe(true);
  });

  it('refuses, loudly and by name, a field reading the viewer without declaring it', async () => {
    const { result, cache } = await run('{ thing(id: 1) { sneaky } }');
    expect(result.data).toEqual({ thing: { sneaky: null } });
    expect(result.errors?.[0].message).toMatch(/reads ctx\.auth\.viewer .*`viewer: true`/);
    expect(result.errors?.[0].path).toEqual(['thing', 'sneaky']);
    expect(cache.private).toBe(false);
    const tagged = await run('{ tagsReadViewer }');
    expect(tagged.result.errors?.[0].message).toMatch(/Query\.tagsReadViewer reads ctx\.auth\.viewer/);
  });

  it('refuses to build a schema with a root field that declares nothing, or a write that is not a mutation', () => {
    const bare = new SchemaBuilder<{ Context: Context }>(pluginOnly);
    bare.queryType({ fields: (t) => ({ forgotten: t.int({ resolve: () => 1 }) }) });
    expect(() => bare.toSchema()).toThrow(/Query\.forgotten has no cache declaration/);
    const writing = new SchemaBuilder<{ Context: Context }>(pluginOnly);
    writing.queryType({ fields: (t) => ({ misfiled: t.int({ cache: { write: true }, resolve: () => 1 }) }) });
    expect(() => writing.toSchema()).toThrow(/Query\.misfiled: `write: true` declares a mutation/);
  });
});
