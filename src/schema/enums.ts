import { builder } from './builder';
import { ApplicationStatus, ExperienceLevel, JobType, SubscriptionPlan } from '../generated/prisma/enums';

// Every enum of the API, in one place; the database's own enums (prisma/schema.prisma) are their values.

export const JobTypeEnum = builder.enumType('JobType', {
  description: 'How a job is employed.',
  values: Object.values(JobType),
});

export const ExperienceLevelEnum = builder.enumType('ExperienceLevel', {
  description: 'Seniority a job asks for.',
  values: Object.values(ExperienceLevel),
});

export const JobOrderEnum = builder.enumType('JobOrder', {
  description: 'Orderings of job lists.',
  values: {
    NEWEST: { description: 'Most recently posted first.' },
    RELEVANCE: { description: 'Best full-text match of `filter.search` first; without a search, same as NEWEST.' },
    SALARY_DESC: { description: 'Highest maximum salary first; jobs without salary last.' },
  },
});

export const ApplicationStatusEnum = builder.enumType('ApplicationStatus', {
  description: 'Where an application stands. REJECTED, HIRED and WITHDRAWN are final.',
  values: Object.values(ApplicationStatus),
});

export const SubscriptionPlanEnum = builder.enumType('SubscriptionPlan', { description: 'What a user pays for.', values: Object.values(SubscriptionPlan) });
