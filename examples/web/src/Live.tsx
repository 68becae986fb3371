import { useEffect, useState } from 'react';
import { ApplicationReceivedDocument, MyApplicationUpdatesDocument } from '../../../client/generated/graphql';
import { explain, GatewayError, subscribe } from './gateway';

interface Update {
  key: string;
  text: string;
}

/** Seconds before subscribing again after the stream ended for a reason that passes (a restart, the network). */
const RETRY_S = 2;

/**
 * Live updates for the signed-in user, as they happen (subscriptions over SSE): a seeker's
 * applications moving on, an employer's new applicants. Subscribes again after a gateway
 * restart or a network drop; stops on an expired or refused token.
 */
export function Live({ token, role, onTokenRefused }: { token: string; role: string; onTokenRefused: () => void }) {
  const [updates, setUpdates] = useState<Update[]>([]);
  const [state, setState] = useState<string>('connecting');

  useEffect(() => {
    let stop = () => undefined as void;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const add = (u: Update) => setUpdates((list) => [u, ...list].slice(0, 20));
    const onEnd = (error: GatewayError | null) => {
      if (error?.code === 'UNAUTHENTICATED') {
        setState(explain(error));
        return onTokenRefused();
      }
      if (error && error.code !== 'SERVICE_UNAVAILABLE' && error.code !== 'NETWORK') return setState(explain(error));
      setState('reconnecting');
      retry = setTimeout(start, RETRY_S * 1000);
    };
    const onOpen = () => setState('live');
    function start() {
      setState('connecting');
      stop =
        role === 'SEEKER'
          ? subscribe(
              MyApplicationUpdatesDocument,
              {},
              {
                token,
                onOpen,
                onEnd,
                onData: ({ myApplicationUpdates: a }) =>
                  add({ key: `${a.id}:${a.status}`, text: `Your application to ${a.job.title} (${a.job.company.name}) is now ${a.status.toLowerCase()}` }),
              },
            )
          : subscribe(
              ApplicationReceivedDocument,
              {},
              {
                token,
                onOpen,
                onEnd,
                onData: ({ applicationReceived: a }) => add({ key: a.id, text: `New applicant ${a.user.name} for ${a.job.title}` }),
              },
            );
    }
    start();
    return () => {
      clearTimeout(retry);
      stop();
    };
  }, [token, role]);

  return (
    <section className="live" data-testid="live">
      <h3>
        Live <small data-testid="live-state">{state}</small>
      </h3>
      {updates.length === 0 ? (
        <small>{role === 'SEEKER' ? 'Status changes of your applications appear here.' : 'New applicants to your jobs appear here.'}</small>
      ) : (
        <ul>
          {updates.map((u) => (
            <li key={u.key} data-testid="live-update">
              {u.text}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
