import { forbidden } from '../../auth/guards';
import type { Viewer } from '../../auth/viewer';
import { compileFilter, deleteSavedSearch, findSavedSearch, insertSavedSearch, markSavedSearchSeen, type SavedSearchRow } from '../../data/saved-searches';
import { brokenRule, isForeignKeyViolation, isUniqueViolation } from '../../db/errors';
import { Conflict, InvalidInput, NotFound } from '../../domain/errors';
import { filterToJson, parseSavedSearchName, SAVED_SEARCH_LIMITS } from '../../domain/saved-search';
import { parseId, userError } from '../../errors';
import type { Db } from '../../data/client';
import type { Context } from '../context';
import { builder } from '../builder';
import { JobFilter, readFilter } from '../query';
import { SavedSearch, SavedSearchAlertsEnum } from '../saved-search';

const SaveSearchInput = builder.inputType('SaveSearchInput', {
  description: `A search to save. At most ${SAVED_SEARCH_LIMITS.perUser} per user.`,
  fields: (t) => ({
    name: t.string({ required: true, description: `1 to ${SAVED_SEARCH_LIMITS.name} characters (trimmed), unique among the user’s saved searches.` }),
    filter: t.field({ type: JobFilter, required: true, description: 'What to look for: the conditions of `jobs(filter)`, with the same matching.' }),
    alerts: t.field({ type: SavedSearchAlertsEnum, defaultValue: 'NONE', description: 'DAILY for a daily digest of its new jobs.' }),
  }),
});

/** The viewer's saved search `id`: NOT_FOUND when there is none, FORBIDDEN when it is someone else's. */
async function ownSavedSearch(ctx: Context, viewer: Viewer, id: string): Promise<SavedSearchRow> {
  const found = await findSavedSearch(ctx.db.prisma, parseId(id));
  if (!found) throw new NotFound(`saved search ${id} does not exist`);
  if (found.userId !== viewer.userId) throw forbidden('change another user’s saved search');
  return found;
}

/** A saved-search write: the owner's `me` results are stale once it commits. */
const write = <T>(ctx: Context, viewer: Viewer, fn: (tx: Db) => Promise<T>): Promise<T> =>
  ctx.writes.transaction(ctx.db.prisma, fn, () => [{ savedSearchesOf: [viewer.userId] }]);

builder.mutationFields((t) => ({
  saveSearch: t.withAuth({ signedIn: true }).field({
    cache: { write: true, viewer: true },
    type: SavedSearch,
    description: `Saves a search for the signed-in user. A name they already use is CONFLICT, as is a ${SAVED_SEARCH_LIMITS.perUser + 1}th saved search.`,
    args: { input: t.arg({ type: SaveSearchInput, required: true, description: 'The search.' }) },
    resolve: async (_r, { input }, ctx) => {
      const viewer = ctx.auth.viewer;
      const name = parseSavedSearchName(input.name, 'input.name');
      const filter = filterToJson(input.filter, 'input.filter');
      // Read as `jobs(filter)` reads it (attribute words, places), and refused as it refuses.
      let compiled;
      try {
        compiled = compileFilter((await readFilter(ctx, input.filter)) ?? {});
      } catch (err) {
        if (err instanceof InvalidInput && typeof err.details.argument === 'string')
          throw new InvalidInput(err.message.replace(/`filter\./g, '`input.filter.'), `input.${err.details.argument}`);
        throw err;
      }
      try {
        return await write<SavedSearchRow>(ctx, viewer, (tx) =>
          insertSavedSearch(tx, { userId: viewer.userId, name, filter, alerts: input.alerts ?? 'NONE', compiled }),
        );
      } catch (err) {
        if (isUniqueViolation(err)) throw new Conflict(`you already have a saved search named ${JSON.stringify(name)}`, { argument: 'input.name' });
        if (isForeignKeyViolation(err)) throw userError('UNAUTHENTICATED', `the token's user ${viewer.userId} does not exist`);
        const broken = brokenRule(err);
        if (broken?.constraint === 'saved_search_per_user_check')
          throw new Conflict(`you have ${SAVED_SEARCH_LIMITS.perUser} saved searches, the most there may be: delete one first`, {
            constraint: broken.constraint,
          });
        if (broken) throw new InvalidInput(`\`input\` breaks the rule ${broken.constraint}`, 'input', { constraint: broken.constraint });
        throw err;
      }
    },
  }),
  deleteSavedSearch: t.withAuth({ signedIn: true }).field({
    cache: { write: true, viewer: true },
    type: 'ID',
    description: 'Deletes one of the signed-in user’s saved searches (its alerts already written stay); returns its id.',
    args: { id: t.arg.id({ required: true, description: 'Id of the saved search.' }) },
    resolve: async (_r, { id }, ctx) => {
      const viewer = ctx.auth.viewer;
      const found = await ownSavedSearch(ctx, viewer, String(id));
      const deleted = await write<boolean>(ctx, viewer, (tx) => deleteSavedSearch(tx, found.id));
      if (!deleted) throw new NotFound(`saved search ${id} does not exist`);
      return String(found.id);
    },
  }),
  markSavedSearchSeen: t.withAuth({ signedIn: true }).field({
    cache: { write: true, viewer: true },
    type: SavedSearch,
    description: 'Marks a saved search’s new jobs seen: `newJobCount` and `jobs` start again from what it matches after now.',
    args: { id: t.arg.id({ required: true, description: 'Id of the saved search.' }) },
    resolve: async (_r, { id }, ctx) => {
      const viewer = ctx.auth.viewer;
      const found = await ownSavedSearch(ctx, viewer, String(id));
      const seen = await write<SavedSearchRow | null>(ctx, viewer, (tx) => markSavedSearchSeen(tx, found.id));
      if (!seen) throw new NotFound(`saved search ${id} does not exist`);
      return seen;
    },
  }),
}));
