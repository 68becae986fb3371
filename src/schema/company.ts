import { checkRange } from '../errors';
import { companyJobCursor, findCompanyPage } from '../data/companies';
import { MAX_PAGE } from '../data/jobs';
import { builder, listCost } from './builder';
import { toConnection } from './connection';

builder.objectType('Company', {
  description: 'An employer.',
  fields: (t) => ({
    id: t.id({ description: 'Stable id of the company.', resolve: (c) => String(c.id) }),
    name: t.exposeString('name', { description: 'Company name (unique).' }),
    industry: t.exposeString('industry', { nullable: true, description: 'Industry, when known.' }),
    rating: t.exposeFloat('rating', { nullable: true, description: 'Employee rating from 1 to 5, when known.' }),
    jobCount: t.int({ description: 'Active jobs of this company.', resolve: (c, _a, ctx) => ctx.loaders.companyJobCount.load(c.id) }),
    jobs: t.field({
      type: 'JobConnection',
      description: 'Active jobs of this company, newest first.',
      complexity: listCost(2, 20),
      args: {
        first: t.arg.int({ required: false, defaultValue: 20, description: `1 to ${MAX_PAGE}.` }),
        after: t.arg.string({ required: false, description: '`pageInfo.endCursor` of the previous page.' }),
      },
      resolve: async (c, { first, after }, ctx) => {
        const n = checkRange(first ?? 20, 1, MAX_PAGE, 'first');
        const page = await ctx.loaders.companyJobs(n, after ?? null).load(c.id);
        ctx.loaders.prime(page.rows);
        return {
          ...toConnection(page.rows, n, after, companyJobCursor, () => ctx.loaders.companyJobCount.load(c.id), page.hasNextPage),
          filter: { companyId: c.id },
        };
      },
    }),
  }),
});

builder.queryField('companies', (t) =>
  t.field({
    type: 'CompanyConnection',
    description: `Companies in name order, by pages of at most ${MAX_PAGE}; with \`search\`, those whose name contains it (any case).`,
    complexity: listCost(2, 20),
    args: {
      search: t.arg.string({ description: 'Part of the name (at most 100 characters).' }),
      first: t.arg.int({ defaultValue: 20, description: `1 to ${MAX_PAGE}.` }),
      after: t.arg.string({ description: '`pageInfo.endCursor` of the previous page.' }),
    },
    // Companies appear with their first job and their job counts change with jobs: the list of
    // every job covers both.
    cache: { freshness: 'list', tags: () => [{ jobList: {} }] },
    resolve: async (_r, { search, first, after }, ctx) => {
      const n = checkRange(first ?? 20, 1, MAX_PAGE, 'first');
      const page = await findCompanyPage(ctx.db.prisma, search ?? null, n, after ?? null);
      for (const c of page.rows) ctx.loaders.company.prime(c.id, c);
      return toConnection(page.rows, n, after, page.cursorOf, page.count);
    },
  }),
);
