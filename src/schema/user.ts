import { canSeeUser, forbidden } from '../auth/guards';
import { builder, listCost } from './builder';
import type { Context } from './context';
import { SubscriptionPlanEnum } from './enums';
import { applicationListArgs, applicationPage } from './application';
import { askedFor } from './query';

/** A private field: the user and ADMIN see it; anyone else gets null and a FORBIDDEN error. */
const privateTo = (what: string) => ({
  cache: { viewer: true },
  authScopes: (u: { id: number }, _a: unknown, ctx: Context) => canSeeUser(ctx.auth.viewer, u.id),
  unauthorizedError: () => forbidden(`see another user's ${what}`),
});

builder.objectType('User', {
  description: 'A person using the platform. Email, plan and applications are private to the user and ADMIN.',
  fields: (t) => ({
    id: t.id({ description: 'Stable id of the user.', resolve: (u) => String(u.id) }),
    name: t.exposeString('name', { description: 'Display name.' }),
    email: t.string({
      nullable: true,
      description: 'Private: null with a FORBIDDEN error for anyone but the user and ADMIN.',
      ...privateTo('email'),
      resolve: (u) => u.email,
    }),
    subscriptionPlan: t.field({
      type: SubscriptionPlanEnum,
      nullable: true,
      description: 'Private, like email.',
      ...privateTo('plan'),
      resolve: (u) => u.subscriptionPlan,
    }),
    applications: t.field({
      type: 'ApplicationConnection',
      nullable: true,
      description: 'Private, like email. Newest first.',
      complexity: listCost(2, 20),
      args: applicationListArgs,
      ...privateTo('applications'),
      resolve: (u, args, ctx) => applicationPage(ctx, 'user', u.id, args),
    }),
  }),
});

builder.queryField('me', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: 'User',
    nullable: true,
    description: 'The signed-in user; UNAUTHENTICATED without a token.',
    cache: { viewer: true, tags: ({ viewer }) => (viewer ? askedFor('User', viewer.userId) : []) },
    resolve: (_r, _a, ctx) => ctx.loaders.user.load(ctx.auth.viewer.userId),
  }),
);
