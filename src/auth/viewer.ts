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

// JavaScript dates end 8.64e15 ms from 1970: a claim beyond them (1e308 is a valid JSON number)
// has no date to quote, and toISOString() would throw instead of refusing the token.
const DATE_LIMIT_S = 8.64e12;

/** A claim's time for a message: its date, or the number itself when no date is that far. */
function when(seconds: number): string {
  return Math.abs(seconds) <= DATE_LIMIT_S ? new Date(seconds * 1000).toISOString() : `${seconds} seconds since 1970, beyond any date`;
}

/** What jsonwebtoken refused, said so that the client knows what to fix. */
function verifyProblem(err: unknown): GraphQLError {
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
  try {
    return viewerOfToken(match[1], secret);
  } catch (err) {
    // Whatever a signed token's claims hold, the answer is a 401 with a reason, never a 500.
    if ((err as GraphQLError).extensions?.code === 'UNAUTHENTICATED') throw err;
    throw unauthenticated('the token is not valid: malformed (not a signed JWT)');
  }
}

function viewerOfToken(token: string, secret: string): Viewer {
  let payload: unknown;
  try {
    // exp and nbf are checked below: jsonwebtoken's own errors quote them as dates, which a
    // far-off value does not have.
    payload = jwt.verify(token, secret, { algorithms: ALGORITHMS, ignoreExpiration: true, ignoreNotBefore: true });
  } catch (err) {
    throw verifyProblem(err);
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw claimsProblem(claims.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
  // jsonwebtoken checks exp and nbf only when present; a token without exp would never expire.
  const times = payload as Record<'exp' | 'nbf' | 'iat', unknown>;
  for (const name of ['exp', 'nbf', 'iat'] as const)
    if (times[name] !== undefined && typeof times[name] !== 'number') throw claimsProblem(`${name} must be a number of seconds since 1970`);
  const { exp, iat, nbf } = times as { exp?: number; nbf?: number; iat?: number };
  if (exp === undefined) throw claimsProblem('exp is missing: tokens must expire');
  // jsonwebtoken's own rules: expired at exp, valid from nbf, on the whole second.
  const second = Math.floor(Date.now() / 1000);
  if (typeof nbf === 'number' && nbf > second) throw unauthenticated(`the token is not valid yet (not before ${when(nbf)})`);
  if (second >= exp) throw unauthenticated(`the token has expired (at ${when(exp)})`);
  const now = Date.now() / 1000;
  if (exp - Math.min(now, typeof iat === 'number' ? iat : now) > TOKEN_MAX_LIFETIME_S) {
    throw unauthenticated(`the token lives too long: it expires ${when(exp)}, tokens may live at most ${TOKEN_MAX_LIFETIME_S / 86400} days`);
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

/**
 * When the token of an `Authorization` header that `viewerFromHeader` accepted expires (ms since
 * 1970), for what outlives a request: a subscription's stream ends then.
 */
export function expiryOf(header: string | null): number | null {
  const token = header && /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
  const exp = token ? (jwt.decode(token) as { exp?: unknown } | null)?.exp : undefined;
  return typeof exp === 'number' ? exp * 1000 : null;
}
