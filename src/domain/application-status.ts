import type { ApplicationStatus } from '../generated/prisma/enums';
import { Conflict } from './errors';

/** Status moves an employer (or ADMIN) may make. REJECTED, HIRED and WITHDRAWN are final. */
const EMPLOYER_TRANSITIONS: Record<ApplicationStatus, ApplicationStatus[]> = {
  SUBMITTED: ['REVIEWING', 'REJECTED'],
  REVIEWING: ['INTERVIEWING', 'REJECTED'],
  INTERVIEWING: ['OFFERED', 'REJECTED'],
  OFFERED: ['HIRED', 'REJECTED'],
  REJECTED: [],
  HIRED: [],
  WITHDRAWN: [],
};

/** The applicant may withdraw while the application is still open. */
const WITHDRAWABLE: ApplicationStatus[] = ['SUBMITTED', 'REVIEWING', 'INTERVIEWING', 'OFFERED'];

/** CONFLICT unless the applicant may still withdraw the application. */
export function checkWithdrawable(app: { id: number; status: ApplicationStatus }): void {
  if (!WITHDRAWABLE.includes(app.status)) throw new Conflict(`application ${app.id} is ${app.status} and can no longer be withdrawn`);
}

/** CONFLICT, naming the moves allowed, unless an employer may move the application to `to`. */
export function checkEmployerMove(app: { id: number; status: ApplicationStatus }, to: ApplicationStatus): void {
  const allowed = EMPLOYER_TRANSITIONS[app.status];
  if (!allowed.includes(to))
    throw new Conflict(`application ${app.id} cannot go from ${app.status} to ${to}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (it is final)'}`);
}
