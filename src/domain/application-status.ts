import type { ApplicationStatus } from '../generated/prisma/enums';

/** Status moves an employer (or ADMIN) may make. REJECTED, HIRED and WITHDRAWN are final. */
export const EMPLOYER_TRANSITIONS: Record<ApplicationStatus, ApplicationStatus[]> = {
  SUBMITTED: ['REVIEWING', 'REJECTED'],
  REVIEWING: ['INTERVIEWING', 'REJECTED'],
  INTERVIEWING: ['OFFERED', 'REJECTED'],
  OFFERED: ['HIRED', 'REJECTED'],
  REJECTED: [],
  HIRED: [],
  WITHDRAWN: [],
};

/** The applicant may withdraw while the application is still open. */
export const WITHDRAWABLE: ApplicationStatus[] = ['SUBMITTED', 'REVIEWING', 'INTERVIEWING', 'OFFERED'];
