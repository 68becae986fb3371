import { canSeeUser, forbidden, requireViewer } from '../auth/guards';
import type { Viewer } from '../auth/viewer';
import { SubscriptionPlan } from '../generated/prisma/enums';
import { builder, listCost } from './builder';
import { applicationListArgs, applicationPage } from './application';
import { loadById } from './query';

const SubscriptionPlanEnum = builder.enumType('SubscriptionPlan', { description: 'What a user pays for.', values: Object.values(SubscriptionPlan) });

/** Private fields: the user and ADMIN see them; anyone else gets null and a FORBIDDEN error. */
function guard(viewer: Viewer | null, userId: number, what: string): void {
  if (!canSeeUser(viewer, userId)) throw forbidden(`see another user's ${what}`);
}

builder.objectType('User', {
  description: 'A person using the platform. Email, plan and applications are private to the user and ADMIN.',
  fields: (t) => ({
    id: t.id({ description: 'Stable id of the user.', resolve: (u) => String(u.id) }),
    name: t.exposeString('name', { description: 'Display name.' }),
    email: t.string({
      nullable: true,
      description: 'Private: null with a FORBIDDEN error for anyone but the user and ADMIN.',
      resolve: (u, _a, ctx) => (guard(ctx.auth.viewer, u.id, 'email'), u.email),
    }),
    subscriptionPlan: t.field({
      type: SubscriptionPlanEnum,
      nullable: true,
      description: 'Private, like email.',
      resolve: (u, _a, ctx) => (guard(ctx.auth.viewer, u.id, 'plan'), u.subscriptionPlan),
    }),
    applications: t.field({
      type: 'ApplicationConnection',
      nullable: true,
      description: 'Private, like email. Newest first.',
      complexity: listCost(2, 20),
      args: applicationListArgs,
      resolve: (u, args, ctx) => {
        guard(ctx.auth.viewer, u.id, 'applications');
        return applicationPage(ctx, 'user', u.id, args);
      },
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: 'User',
    nullable: true,
    description: 'The signed-in user; UNAUTHENTICATED without a token.',
    resolve: (_r, _a, ctx) => loadById(ctx, 'User', requireViewer(ctx.auth.viewer).userId, ctx.loaders.user),
  }),
);
