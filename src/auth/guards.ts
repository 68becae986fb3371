import { userError } from '../errors';
import type { Role, Viewer } from './viewer';

// Every rule takes the viewer as an argument, and a field whose answer depends on who asks
// declares `cache: { viewer: true }` (schema/cache-declaration.ts), which reads `ctx.auth.viewer`
// before the field resolves: reading it is what keeps the result per viewer in the response
// cache (http/context.ts), and such an answer depends on the viewer when it is null or an error
// too (a null for an application that does not exist yet must not be served to the applicant
// once it does).

/** The viewer, or UNAUTHENTICATED for an anonymous request. */
export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw userError('UNAUTHENTICATED', 'sign in: send "Authorization: Bearer <token>"');
  return viewer;
}

export function requireRole(viewer: Viewer | null, ...roles: Role[]): Viewer {
  const v = requireViewer(viewer);
  if (!roles.includes(v.role)) throw userError('FORBIDDEN', `this needs the role ${roles.join(' or ')}; the token has ${v.role}`);
  return v;
}

/** A user's private data (email, applications): that user and ADMIN. */
export const canSeeUser = (viewer: Viewer | null, userId: number) => viewer != null && (viewer.role === 'ADMIN' || viewer.userId === userId);

/** A company's jobs and the applications to them: its EMPLOYERs and ADMIN. */
export const canManageCompany = (viewer: Viewer | null, companyId: number) =>
  viewer != null && (viewer.role === 'ADMIN' || (viewer.role === 'EMPLOYER' && viewer.companyId === companyId));

export const forbidden = (what: string) => userError('FORBIDDEN', `you may not ${what}`);
