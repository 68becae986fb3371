import { useEffect, useState } from 'react';
import { MyApplicationsDocument } from '../../../client/generated/graphql';
import { claimsOf, explain, GatewayError, request } from './gateway';

export interface Session {
  token: string;
  userId: string;
  role: string;
  name: string | null;
}

/**
 * Sign-in with a development token: paste what `npm run token -- --user 3 --role SEEKER`
 * prints. The token is checked by asking the gateway who it belongs to (MyApplications'
 * `me`); a refused one (401 UNAUTHENTICATED) is dropped with the reason.
 */
export function SignIn({ session, onChange }: { session: Session | null; onChange: (session: Session | null) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [applications, setApplications] = useState<number | null>(null);

  useEffect(() => {
    setApplications(null);
    if (!session) return;
    const controller = new AbortController();
    request(MyApplicationsDocument, { first: 5 }, { token: session.token, signal: controller.signal }).then(
      ({ me }) => {
        setApplications(me?.applications?.totalCount ?? 0);
        if (me && me.name !== session.name) onChange({ ...session, name: me.name });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(explain(err));
        if (err instanceof GatewayError && err.code === 'UNAUTHENTICATED') onChange(null);
      },
    );
    return () => controller.abort();
    // Asked again when the token changes, not when the name arrives.
  }, [session?.token]);

  if (session)
    return (
      <div className="sign-in" data-testid="signed-in">
        <span>
          {session.name ?? `user ${session.userId}`} <small>({session.role.toLowerCase()})</small>
          {applications != null && <small> · {applications} applications</small>}
        </span>
        <button type="button" onClick={() => onChange(null)}>
          Sign out
        </button>
      </div>
    );
  return (
    <form
      className="sign-in"
      onSubmit={(e) => {
        e.preventDefault();
        const token = text.trim().replace(/^Bearer\s+/i, '');
        const claims = claimsOf(token);
        if (!claims) return setError('That is not a token: paste the output of npm run token.');
        setError(null);
        setText('');
        onChange({ token, userId: claims.userId, role: claims.role, name: null });
      }}
    >
      <input
        data-testid="token-input"
        type="password"
        autoComplete="off"
        placeholder="Development token (npm run token -- --user 3 --role SEEKER)"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" data-testid="sign-in">
        Sign in
      </button>
      {error && <small className="error">{error}</small>}
    </form>
  );
}
