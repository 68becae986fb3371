// The production front for 1,000 connections (deploy/haproxy/haproxy.cfg): what passes through
// it, and what it refuses when the gateway's slots are all taken.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { haproxyPath, startHaproxy, type Haproxy } from '../../helpers/haproxy';
import { useHttpGateways, until } from '../../helpers/http';
import { describeIf } from '../../helpers/skip';

/** The configuration's bound on requests in flight to one gateway (`maxconn` of backend gateway). */
const SLOTS = 128;
/** How many more may wait in the proxy for a slot before it refuses at once. */
const QUEUE = 128;

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A POST on a connection of its own (as 1,000 separate clients would be). */
function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describeIf(haproxyPath(), 'haproxy is not installed (apt-get install haproxy; .ci/run installs it)')(
  'HAProxy in front of the gateway (deploy/haproxy/haproxy.cfg)',
  () => {
    describe('in front of a real gateway', () => {
      const suite = useHttpGateways();
      let proxy: Haproxy;
      const forwardedFor: (string | undefined)[] = [];

      beforeAll(async () => {
        const served = await suite.serve({ cached: false });
        const serveNode = served.gateway.serveNode.bind(served.gateway);
        served.gateway.serveNode = (req, res) => {
          forwardedFor.push(req.headers['x-forwarded-for'] as string | undefined);
          serveNode(req, res);
        };
        proxy = await startHaproxy(served.port);
      });
      afterAll(() => proxy?.stop());

      it('answers a query as the gateway does, and passes the client address on for rate limits and logs', async () => {
        const query = JSON.stringify({ query: '{ jobs(first: 3) { edges { node { id title } } } }' });
        const through = await post(`${proxy.url}/graphql`, query);
        expect(through.status).toBe(200);
        const body = JSON.parse(through.body) as { data: { jobs: { edges: { node: { id: string } }[] } } };
        expect(body.data.jobs.edges).toHaveLength(3);
        // The gateway's own headers come back through the proxy.
        expect(through.headers['x-request-id']).toEqual(expect.any(String));
        expect(forwardedFor.at(-1)).toBe('127.0.0.1');
      });

      it('passes the gateway’s own refusals through unchanged (bad input is still a GraphQL error)', async () => {
        const res = await post(`${proxy.url}/graphql`, JSON.stringify({ query: '{ jobs(first: -1) { edges { node { id } } } }' }));
        const body = JSON.parse(res.body) as { errors: { extensions: { code: string } }[] };
        expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      });

      it('carries only subscriptions on its stream backend: a query asked for as an event stream is refused by the gateway', async () => {
        const query = JSON.stringify({ query: '{ jobs(first: 3) { edges { node { id title } } } }' });
        for (const accept of ['text/event-stream', 'application/json, text/event-stream']) {
          const res = await post(`${proxy.url}/graphql`, query, { accept });
          expect(res.status).toBe(406);
          expect(res.body).toContain('SUBSCRIPTIONS_ONLY_OVER_SSE');
          expect(res.body).not.toContain('"edges"');
        }
      });
    });

    describe('when every slot to the gateway is taken', () => {
      // A stand-in gateway that holds every request until released, so the slots stay taken for
      // as long as the test needs: what the proxy does then does not depend on timing.
      let backend: Server;
      let proxy: Haproxy;
      const held: ServerResponse[] = [];
      let inFlight = 0;
      let mostInFlight = 0;
      let streams = 0;
      let released = false;
      const answer = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');

      beforeAll(async () => {
        backend = createServer((req, res) => {
          if ((req.headers.accept ?? '').includes('text/event-stream')) {
            streams += 1;
            res.writeHead(200, { 'content-type': 'text/event-stream' }).end(': stream\n\n');
            return;
          }
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          req.resume();
          res.on('close', () => (inFlight -= 1));
          if (released) answer(res);
          else held.push(res);
        });
        await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
        proxy = await startHaproxy((backend.address() as AddressInfo).port);
      });
      afterAll(async () => {
        await proxy?.stop();
        backend.closeAllConnections();
        await new Promise((r) => backend.close(r));
      });

      it('closes the request at the gateway when its client leaves, so the gateway cancels it (abortonclose)', async () => {
        const leaving = request(`${proxy.url}/graphql`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
        leaving.on('error', () => undefined);
        leaving.end(JSON.stringify({ query: '{ __typename }' }));
        await until(async () => held.length === 1);
        const [atGateway] = held.splice(0);
        const closed = new Promise((r) => atGateway.once('close', r));
        leaving.destroy();
        await closed;
        expect(atGateway.writableEnded).toBe(false);
      });

      it('sends at most its slots on, queues as many again, refuses the rest at once with the gateway’s 503, streams still pass, and answers every request it sent on', async () => {
        const body = JSON.stringify({ query: '{ __typename }' });
        const taken = Array.from({ length: SLOTS }, () => post(`${proxy.url}/graphql`, body));
        await until(async () => held.length === SLOTS);

        // QUEUE more wait in the proxy for a slot (one or two more may join the queue before the
        // rule sees it full); after that, requests are refused without waiting.
        const waiting = Array.from({ length: QUEUE }, () => post(`${proxy.url}/graphql`, body));
        const extra: { answer?: Answer; sent: Promise<Answer> }[] = [];
        for (let i = 0; i < 4; i++) {
          const one: (typeof extra)[number] = { sent: post(`${proxy.url}/graphql`, body) };
          void one.sent.then((a) => (one.answer = a));
          extra.push(one);
          await new Promise((r) => setTimeout(r, 50));
        }
        await until(async () => extra.filter((e) => e.answer).length >= 2);
        const refusals = extra.filter((e) => e.answer).map((e) => e.answer!);
        expect(refusals.map((r) => r.status)).toEqual(refusals.map(() => 503));
        const [refused] = refusals;
        expect(refused.headers['retry-after']).toBe('1');
        expect(refused.headers['content-type']).toMatch(/^application\/json/);
        expect((JSON.parse(refused.body) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');

        // A subscription (GraphQL over SSE) has its own backend: never refused for want of a slot.
        const stream = await post(`${proxy.url}/graphql`, body, { accept: 'text/event-stream' });
        expect(stream.status).toBe(200);
        expect(streams).toBe(1);
        expect(mostInFlight).toBe(SLOTS);

        // What waited out its queue time (the gateway's admission deadline) is refused in the
        // gateway's words too, never with HAProxy's HTML page; the gateway never saw it.
        const waited = await Promise.all([...waiting, ...extra.filter((e) => !e.answer).map((e) => e.sent)]);
        expect(new Set(waited.map((w) => w.status))).toEqual(new Set([503]));
        expect(
          waited.every(
            (w) =>
              w.headers['retry-after'] === '1' &&
              (JSON.parse(w.body) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code === 'SERVICE_UNAVAILABLE',
          ),
        ).toBe(true);
        expect(mostInFlight).toBe(SLOTS);

        // Released, every request the proxy took is answered: none was dropped for waiting.
        released = true;
        held.splice(0).forEach(answer);
        const answers = await Promise.all(taken);
        expect(answers.every((a) => a.status === 200)).toBe(true);
        expect(mostInFlight).toBe(SLOTS);
      });
    });
  },
);
