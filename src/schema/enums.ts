import { builder } from './builder';
import { ExperienceLevel, JobType } from '../generated/prisma/enums';

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
