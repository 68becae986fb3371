import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { userError } from '../errors';

export const ROLES = ['SEEKER', 'EMPLOYER', 'ANALYST', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking. Anonymous requests have no viewer and see public data only. */
export interface Viewer {
  userId: number;
  role: Role;
  /** The company an EMPLOYER acts for. */
  companyId: number | null;
}

const ALGORITHMS: jwt.Algorithm[] = ['HS256'];

const Claims = z
  .object({
    sub: z.string().regex(/^[1-9][0-9]{0,9}$/, 'sub must be a user id'),
    role: z.enum(ROLES),
    companyId: z.number().int().positive().optional(),
  })
  .refine((c) => c.role !== 'EMPLOYER' || c.companyId !== undefined, 'an EMPLOYER token needs a companyId claim');

const unauthenticated = (message: string) =>
  userError('UNAUTHENTICATED', message, { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } });

/**
 * The viewer of an `Authorization` header. No header: anonymous (null). A header that is
 * present but wrong (not Bearer, bad signature, expired, missing claims) is an error: falling
 * back to anonymous would hide a broken client behind confusing FORBIDDEN errors.
 */
export function viewerFromHeader(header: string | null, secret: string): Viewer | null {
  if (header == null || header.trim() === '') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
  let payload: unknown;
  try {
    payload = jwt.verify(match[1], secret, { algorithms: ALGORITHMS });
  } catch (err) {
    const reason = err instanceof jwt.TokenExpiredError ? 'the token has expired' : 'the token is not valid (bad signature or format)';
    throw unauthenticated(reason);
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw unauthenticated(`the token's claims are not usable: ${claims.error.issues.map((i) => i.message).join('; ')}`);
  const { sub, role, companyId } = claims.data;
  return { userId: Number(sub), role, companyId: role === 'EMPLOYER' ? companyId! : null };
}

export function signToken(viewer: Viewer, secret: string, expiresIn: jwt.SignOptions['expiresIn'] = '12h'): string {
  const claims: Record<string, unknown> = { role: viewer.role };
  if (viewer.companyId != null) claims.companyId = viewer.companyId;
  return jwt.sign(claims, secret, { algorithm: 'HS256', subject: String(viewer.userId), expiresIn });
}
