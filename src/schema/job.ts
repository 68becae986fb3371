import { canManageCompany, forbidden } from '../auth/guards';
import { checkRange, required } from '../errors';
import { applicationListArgs, applicationPage } from './application';
import { getArgumentValues, type FieldNode, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { SIMILAR_PER_JOB, type SimilarWanted } from '../data/similar';
import type { JobColumn } from '../data/jobs';
import { builder, listCost } from './builder';
import { ExperienceLevelEnum, JobTypeEnum } from './enums';
import { selectedFields, type Selection } from './selection';

/**
 * What each field of Job reads of its row, beyond the id and company id that every row has
 * (data/jobs.ts, jobColumns). Kept beside the fields: a field missing here makes reads of jobs
 * take every column again (test/integration/schema/selection.test.ts names it).
 */
export const JOB_FIELD_COLUMNS: Readonly<Record<string, readonly JobColumn[] | ((nodes: readonly FieldNode[]) => readonly JobColumn[])>> = {
  __typename: [],
  id: [],
  title: ['title'],
  description: ['description'], // by id; lists load it apart
  company: ['company'],
  location: ['location'],
  city: ['city'],
  state: ['state'],
  jobType: ['jobType'],
  salaryMin: ['salaryMin'],
  salaryMax: ['salaryMax'],
  remote: ['remote'],
  experienceLevel: ['experienceLevel'],
  skills: ['skills'],
  isActive: ['isActive'],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
  // All time comes along with the row; a `days` window is a loader's.
  applicationCount: (nodes) => (nodes.some((n) => !n.arguments?.length) ? ['applicationCount'] : []),
  applications: [],
  similarJobs: [],
  searchHighlight: [],
};

const columnsFor = new WeakMap<Selection, readonly JobColumn[] | undefined>();

/**
 * The columns a list of jobs needs for what the query selects of each job (`path` below the
 * field being resolved: `edges.node` for a connection); undefined, all of them, when it selects
 * a field this file does not know.
 */
export function jobColumnsOf(info: GraphQLResolveInfo, path?: readonly string[]): readonly JobColumn[] | undefined {
  const selection = selectedFields(info, path);
  if (columnsFor.has(selection)) return columnsFor.get(selection);
  const known = [...selection.keys()].every((f) => f in JOB_FIELD_COLUMNS);
  const columns = known
    ? [
        ...new Set(
          [...selection].flatMap(([f, nodes]) => {
            const read = JOB_FIELD_COLUMNS[f];
            return typeof read === 'function' ? read(nodes) : read;
          }),
        ),
      ].sort()
    : undefined;
  columnsFor.set(selection, columns);
  return columns;
}

const similarFor = new WeakMap<Selection, readonly FieldNode[] | null>();

/**
 * What a read of jobs can bring of each job's similar list in its own statement, so that
 * `similarJobs` below finds it in its loader: its `first` and the columns its jobs need, when
 * the query selects `similarJobs` once (one response key, one `first`, no directive) with a
 * `first` the field accepts. Otherwise nothing: the field loads the list itself.
 */
export function similarWantedOf(info: GraphQLResolveInfo): SimilarWanted | undefined {
  const selection = selectedFields(info);
  let nodes = similarFor.get(selection);
  if (nodes === undefined) similarFor.set(selection, (nodes = onceSelected(selection.get('similarJobs'))));
  if (!nodes) return undefined;
  // Not memoized with the nodes: `first` may be a variable, and a compiled query runs again with others.
  const field = (info.schema.getType('Job') as GraphQLObjectType).getFields().similarJobs;
  let first: unknown;
  for (const n of nodes) {
    let asked: unknown;
    try {
      asked = getArgumentValues(field, n, info.variableValues).first ?? 5;
    } catch {
      return undefined; // the field's error to report
    }
    if (first !== undefined && asked !== first) return undefined;
    first = asked;
  }
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > SIMILAR_PER_JOB) return undefined;
  return { first, columns: jobColumnsOf(info, ['similarJobs']) };
}

const onceSelected = (nodes: readonly FieldNode[] | undefined): readonly FieldNode[] | null => {
  const key = (n: FieldNode) => (n.alias ?? n.name).value;
  return nodes?.length && nodes.every((n) => !n.directives?.length && key(n) === key(nodes[0])) ? nodes : null;
};

builder.objectType('Job', {
  description: 'A job posting.',
  fields: (t) => ({
    id: t.id({ description: 'Stable id of the job.', resolve: (j) => String(j.id) }),
    title: t.exposeString('title', { description: 'Job title, as posted.' }),
    description: t.string({
      description: 'Full text of the posting (plain text, may contain line breaks).',
      resolve: (j, _args, ctx) => j.description ?? ctx.loaders.jobDescription.load(j.id),
    }),
    company: t.field({
      type: 'Company',
      description: 'The employer.',
      resolve: (j, _args, ctx) => ctx.loaders.cameWith(j)._company ?? required(ctx.loaders.company.load(j.companyId), `company ${j.companyId} of job ${j.id}`),
    }),
    location: t.exposeString('location', { description: 'Display location, e.g. "Austin, TX" or "Remote (Boston, MA)".' }),
    city: t.exposeString('city', { nullable: true, description: 'City, when the posting gives one.' }),
    state: t.exposeString('state', { nullable: true, description: 'US state code, when the posting gives one.' }),
    jobType: t.field({ type: JobTypeEnum, description: 'How the job is employed.', resolve: (j) => j.jobType }),
    salaryMin: t.exposeInt('salaryMin', { nullable: true, description: 'Yearly, USD.' }),
    salaryMax: t.exposeInt('salaryMax', { nullable: true, description: 'Yearly, USD.' }),
    remote: t.exposeBoolean('remote', { description: 'Whether the job can be done remotely.' }),
    experienceLevel: t.field({
      type: ExperienceLevelEnum,
      nullable: true,
      description: 'Seniority asked for; null when unknown.',
      resolve: (j) => j.experienceLevel,
    }),
    skills: t.exposeStringList('skills', { description: 'Skills named by the posting, most relevant first.' }),
    isActive: t.exposeBoolean('isActive', { description: 'False once the job is closed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the job was posted.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the job last changed.' }),
    applicationCount: t.int({
      description: 'Applications to this job: all time, or created within the last `days` days.',
      args: { days: t.arg.int({ required: false, description: '1 to 3650.' }) },
      resolve: (j, { days }, ctx) => {
        if (days != null) checkRange(days, 1, 3650, 'days');
        return (days == null ? ctx.loaders.cameWith(j)._applications : undefined) ?? ctx.loaders.applicationCount(days ?? null).load(j.id);
      },
    }),
    applications: t.field({
      type: 'ApplicationConnection',
      nullable: true,
      description: 'EMPLOYER of the job’s company or ADMIN: applications to this job, newest first. Others: null and FORBIDDEN.',
      complexity: listCost(2, 20),
      args: applicationListArgs,
      cache: { viewer: true },
      authScopes: (j, _a, ctx) => canManageCompany(ctx.auth.viewer, j.companyId),
      unauthorizedError: () => forbidden('see applications to another company’s job'),
      resolve: (j, args, ctx) => applicationPage(ctx, 'job', j.id, args),
    }),
    similarJobs: t.field({
      type: ['Job'],
      description: `Other active jobs most like this one (title, skills, description), best first; at most ${SIMILAR_PER_JOB}.`,
      // Precomputed, but still a join per page of jobs: weigh it above a plain field.
      complexity: listCost(5, 5, SIMILAR_PER_JOB),
      args: { first: t.arg.int({ required: false, defaultValue: 5, description: '1 to 10.' }) },
      // The list changes without a write to this job: the refresher says when it does.
      cache: { tags: ({ parent }) => [{ similarList: parent.id }] },
      resolve: async (j, { first }, ctx, info) => {
        const n = checkRange(first ?? 5, 1, SIMILAR_PER_JOB, 'first');
        const columns = jobColumnsOf(info);
        const list = await ctx.loaders.similarJobs(n, columns).load(j.id);
        ctx.loaders.prime(list, columns);
        return list;
      },
    }),
  }),
});
