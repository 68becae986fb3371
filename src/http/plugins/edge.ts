import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext as Context } from '../context';
import type { Edge, ExportRun } from '../edge';

/** On the server context of a query a CSV export runs through Yoga: the download it runs for (see Price). */
export const EXPORT_RUN = Symbol('export run');

/**
 * The edge in Yoga's pipeline: each request's arrival (the one the Node path made, else a new
 * one), the refusal of a bad token, and the answer's headers and log line. First in the list:
 * a token that is present but bad is refused before anything looks at the document (401
 * UNAUTHENTICATED whatever was sent, not the trusted-documents refusal of an anonymous), and
 * the answer's headers are set before the HTTP cache decides what a shared copy may carry.
 */
export function useEdge(edge: Edge, endpoint = '/graphql'): Plugin<Context> {
  return {
    onRequest({ request, url, serverContext }) {
      const server = serverContext as { req?: IncomingMessage; [EXPORT_RUN]?: ExportRun };
      edge.arriveInYoga(request, server.req, url.pathname !== endpoint ? null : (server[EXPORT_RUN] ?? 'arrival'));
    },
    onParams({ request }) {
      edge.viewerOf(request);
    },
    async onResponse({ request, response }) {
      edge.vary(response.headers);
      const arrival = edge.of(request);
      if (!arrival) return;
      for (const [name, value] of Object.entries(await edge.headers(arrival))) response.headers.set(name, value);
      edge.finish(arrival, response.status, request.signal.aborted);
    },
  };
}
