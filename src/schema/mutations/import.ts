import { forbidden } from '../../auth/guards';
import { badInput, parseId } from '../../errors';
import { fromJobInput } from '../../ingest/formats/jsonl';
import { runImport } from '../../ingest/pipeline';
import type { FeedRow, ImportSummary } from '../../ingest/types';
import { builder } from '../builder';
import { checkedWrite, jobFields } from './job';
import { existing } from '../../loaders/batch';

const MAX_ROWS = 1000;

const JobInput = builder.inputType('JobInput', {
  description:
    'A posting for importJobs, validated like createJob. Postings are matched by `externalId` (or, without one, by their content) so importing again updates instead of duplicating.',
  fields: (t) => ({
    ...jobFields(true)(t),
    companyId: t.id({ description: 'An existing company. ADMIN: this or companyName; EMPLOYER: omit (its own company).' }),
    companyName: t.string({ description: 'ADMIN: the company by name, created if new.' }),
    externalId: t.string({ description: 'Your id of the posting, unique among your imports.' }),
  }),
});

const ImportReject = builder.objectRef<{ line: number; reason: string }>('ImportReject').implement({
  description: 'A posting that was not imported, and why.',
  fields: (t) => ({
    index: t.int({ description: 'Position in `jobs`, from 0.', resolve: (r) => r.line - 1 }),
    reason: t.exposeString('reason', { description: 'What is wrong with it.' }),
  }),
});

const ImportResult = builder.objectRef<ImportSummary>('ImportResult').implement({
  description: 'Every posting is counted once: created, updated, unchanged, merged (a repeat of an earlier one in the same call) or rejected.',
  fields: (t) => ({
    created: t.exposeInt('created', { description: 'New jobs.' }),
    updated: t.exposeInt('updated', { description: 'Existing jobs whose content changed.' }),
    unchanged: t.exposeInt('unchanged', { description: 'Existing jobs already as given.' }),
    merged: t.exposeInt('merged', { description: 'Repeats of an earlier posting of the same call.' }),
    rejected: t.exposeInt('rejected', { description: 'Postings not imported (see rejects).' }),
    rejects: t.field({ type: [ImportReject], description: 'Each rejected posting with its reason.', resolve: (s) => s.rejects }),
    jobs: t.field({
      type: ['Job'],
      description: 'The jobs created or updated.',
      resolve: (s, _a, ctx) => existing(ctx.loaders.job, s.changedJobIds) as never,
    }),
  }),
});

builder.mutationField('importJobs', (t) =>
  t.withAuth({ role: ['EMPLOYER', 'ADMIN'] }).field({
    cache: { write: true, viewer: true },
    type: ImportResult,
    description: `EMPLOYER (its own company) or ADMIN: create or update up to ${MAX_ROWS} postings at once. Bad postings are rejected with their index and reason; the others are written in one transaction: all of them, or on a failure none (a retry is safe: postings are matched by \`externalId\`).`,
    args: { jobs: t.arg({ type: [JobInput], required: true, description: 'The postings, at most 1,000.' }) },
    resolve: async (_r, { jobs }, ctx) => {
      const viewer = ctx.auth.viewer;
      if (jobs.length > MAX_ROWS) throw badInput(`\`jobs\` takes at most ${MAX_ROWS} postings, got ${jobs.length}`, 'jobs');
      if (viewer.role === 'EMPLOYER') {
        const foreign = jobs.findIndex((j) => j.companyName != null || (j.companyId != null && parseId(j.companyId, 'companyId') !== viewer.companyId));
        if (foreign >= 0) throw forbidden(`import postings for another company (jobs[${foreign}])`);
      }
      const rows = (async function* (): AsyncGenerator<FeedRow> {
        for (const [i, j] of jobs.entries()) {
          yield fromJobInput(i + 1, viewer.role === 'EMPLOYER' ? { ...j, companyId: viewer.companyId } : j);
        }
      })();
      // Each employer's externalIds are its own: another company's "42" is another posting.
      const source = viewer.role === 'EMPLOYER' ? `api:company:${viewer.companyId}` : 'api:admin';
      return checkedWrite(
        runImport(ctx.db, rows, {
          source,
          // One batch, so one transaction: a mutation is all or nothing (the command-line
          // importer writes in batches, as a feed of 30,000 rows must).
          batchSize: MAX_ROWS,
          similar: ctx.similar,
          writes: ctx.writes,
        }),
        { argument: 'jobs' },
      );
    },
  }),
);
