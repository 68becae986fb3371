import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { GraphQLError } from 'graphql';
import { INT4_MAX, isId, toId, userError } from '../errors';

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
/** Tokens live at most this long: a leaked one stays useful for a bounded time. */
export const TOKEN_MAX_LIFETIME_S = 30 * 24 * 3600;

const Claims = z
  .object({
    sub: z.string().refine((s) => toId(s) != null, `sub must be a user id (1 to ${INT4_MAX})`),
    role: z.enum(ROLES),
    companyId: z.number().refine(isId, `companyId must be a company id (1 to ${INT4_MAX})`).optional(),
  })
  .refine((c) => c.role !== 'EMPLOYER' || c.companyId !== undefined, 'an EMPLOYER token needs a companyId claim');

const unauthenticated = (message: string) => userError('UNAUTHENTICATED', message, { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } });

const claimsProblem = (message: string) => unauthenticated(`the token's claims are not usable: ${message}`);

/** What jsonwebtoken refused, said so that the client knows what to fix. */
function verifyProblem(err: unknown): GraphQLError {
  if (err instanceof jwt.TokenExpiredError) return unauthenticated(`the token has expired (at ${err.expiredAt.toISOString()})`);
  if (err instanceof jwt.NotBeforeError) return unauthenticated(`the token is not valid yet (not before ${err.date.toISOString()})`);
  const message = err instanceof jwt.JsonWebTokenError ? err.message : '';
  if (message === 'invalid signature') return unauthenticated('the token is not valid: bad signature (signed with another secret, or altered)');
  if (message === 'invalid algorithm' || message === 'jwt signature is required')
    return unauthenticated(`the token is not valid: it must be signed with ${ALGORITHMS.join(' or ')}`);
  if (/^invalid (exp|nbf|iat) value$/.test(message)) return claimsProblem(`${message.split(' ')[1]} must be a number of seconds since 1970`);
  return unauthenticated('the token is not valid: malformed (not a signed JWT)');
}

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
    throw verifyProblem(err);
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw claimsProblem(claims.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  // jsonwebtoken checks exp and nbf only when present; a token without exp would never expire.
  const { exp, iat } = payload as jwt.JwtPayload;
  if (typeof exp !== 'number') throw claimsProblem('exp is missing: tokens must expire');
  const now = Date.now() / 1000;
  if (exp - Math.min(now, typeof iat === 'number' ? iat : now) > TOKEN_MAX_LIFETIME_S) {
    throw unauthenticated(
      `the token lives too long: it expires ${new Date(exp * 1000).toISOString()}, tokens may live at most ${TOKEN_MAX_LIFETIME_S / 86400} days`,
    );
  }
  const { sub, role, companyId } = claims.data;
  return { userId: Number(sub), role, companyId: role === 'EMPLOYER' ? companyId! : null };
}

/** A token for `viewer`, valid for `expiresIn` (at most TOKEN_MAX_LIFETIME_S): what the gateway accepts, or an Error saying why not. */
export function signToken(viewer: Viewer, secret: string, expiresIn: jwt.SignOptions['expiresIn'] = '12h'): string {
  const claims: Record<string, unknown> = { role: viewer.role };
  if (viewer.companyId != null) claims.companyId = viewer.companyId;
  const checked = Claims.safeParse({ ...claims, sub: String(viewer.userId) });
  if (!checked.success) throw new Error(`cannot sign these claims: ${checked.error.issues.map((i) => i.message).join('; ')}`);
  const token = jwt.sign(claims, secret, { algorithm: 'HS256', subject: String(viewer.userId), expiresIn });
  const { exp, iat } = jwt.decode(token) as { exp: number; iat: number };
  if (!(exp > iat)) throw new Error(`the expiry must be in the future, got ${JSON.stringify(expiresIn)}`);
  if (exp - iat > TOKEN_MAX_LIFETIME_S) throw new Error(`tokens may live at most ${TOKEN_MAX_LIFETIME_S / 86400} days, got ${JSON.stringify(expiresIn)}`);
  return token;
}
