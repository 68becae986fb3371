import { hostname } from 'node:os';
import {
  context,
  diag,
  DiagLogLevel,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from './log';

/**
 * OpenTelemetry traces, configured by the standard OTEL_* variables alone (the SDK and its OTLP
 * exporters read the endpoint, headers, timeout, sampler and batch settings themselves).
 *
 * Off unless an OTLP endpoint is set, and then the SDK is never loaded nor registered:
 * every span site asks `tracer()` first, so an untraced process pays one comparison per site.
 * That matters because tracing needs an AsyncLocalStorage context manager, and holding a store
 * switches on Node's promise hooks for every promise of the process (a fifth of the gateway's
 * CPU on an uncached headline: see db/request-db.ts).
 */
let active: Tracer | null = null;

/** The process's tracer, or null while tracing is off. */
export const tracer = (): Tracer | null => active;

export interface Tracing {
  /** Exports what is queued now. */
  flush(): Promise<void>;
  /** Exports what is still queued and stops: the process's last step before it exits. */
  shutdown(): Promise<void>;
}

/** The OTEL_* variables this process interprets itself; the SDK reads the rest. */
export type TracingEnv = Partial<
  Record<
    | 'OTEL_SDK_DISABLED'
    | 'OTEL_TRACES_EXPORTER'
    | 'OTEL_EXPORTER_OTLP_ENDPOINT'
    | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
    | 'OTEL_EXPORTER_OTLP_PROTOCOL'
    | 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    | 'OTEL_TRACES_SAMPLER'
    | 'OTEL_TRACES_SAMPLER_ARG',
    string
  >
>;

export class TracingConfigError extends Error {}

/** The longest the last export may hold a stopping process. */
const SHUTDOWN_EXPORT_MS = 2000;

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];

/** Whether the environment asks for traces, and over which OTLP protocol; throws what cannot be honoured. */
export function tracingWanted(env: TracingEnv): { protocol: 'http/protobuf' | 'http/json'; url: string } | null {
  const set = (v: string | undefined) => (v ?? '').trim() !== '';
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (exporters.includes('none')) return null;
  const unknown = exporters.filter((e) => e !== 'otlp');
  if (unknown.length) throw new TracingConfigError(`OTEL_TRACES_EXPORTER: only otlp (or none) is supported, got ${unknown.join(', ')}`);
  if (!set(env.OTEL_EXPORTER_OTLP_ENDPOINT) && !set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) return null;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
  if (protocol !== 'http/protobuf' && protocol !== 'http/json')
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf or http/json (OTLP over HTTP; grpc is not supported), got ${protocol}`);
  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] as const) {
    const value = env[name];
    if (!set(value)) continue;
    let url: URL | null = null;
    try {
      url = new URL(value!);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new TracingConfigError(`${name}: an http:// or https:// URL such as http://localhost:4318, got ${url ? `${url.protocol}//…` : 'something else'}`);
  }
  // The SDK would fall back to always-on with no more than a debug line: a typo would trace everything.
  const sampler = env.OTEL_TRACES_SAMPLER?.trim();
  if (sampler && !SAMPLERS.includes(sampler)) throw new TracingConfigError(`OTEL_TRACES_SAMPLER: one of ${SAMPLERS.join(', ')}, got ${sampler}`);
  const ratio = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (sampler?.endsWith('traceidratio') && ratio && !(Number(ratio) >= 0 && Number(ratio) <= 1))
    throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG: a ratio from 0 to 1, got ${ratio}`);
  // As the specification has it: the signal's own endpoint as given, the general one with the signal's path.
  const url = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
    ? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT!.trim()
    : `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.trim().replace(/\/+$/, '')}/v1/traces`;
  return { protocol, url };
}

/**
 * Starts the SDK when the environment asks for it: a batch span processor (OTEL_BSP_*) in front
 * of the OTLP/HTTP exporter, the sampler of OTEL_TRACES_SAMPLER (parent-based always-on by
 * default), the W3C trace context propagator, and `service.name` chommie-gateway unless
 * OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise. A collector that is down or slow
 * never holds up a request: spans queue (bounded), the overflow is dropped, and export
 * failures are logged, at most once a minute.
 */
export async function startTracing(env: TracingEnv, log?: Logger, options: { exporter?: SpanExporter } = {}): Promise<Tracing | null> {
  const wanted = options.exporter ? { protocol: 'http/protobuf' as const, url: '' } : tracingWanted(env);
  if (!wanted) return null;
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { defaultResource, detectResources, envDetector, resourceFromAttributes },
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    wanted.protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  if (log) diag.setLogger(throttledDiag(log), DiagLogLevel.WARN);
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'chommie-gateway', 'service.instance.id': `${hostname()}:${process.pid}` }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    // A statement's text, an error's message: long enough to read, bounded whatever a client sent.
    spanLimits: { attributeValueLengthLimit: 4096 },
    spanProcessors: [new BatchSpanProcessor(options.exporter ?? new OTLPTraceExporter({ url: wanted.url }))],
  });
  // W3C trace context only: a caller's `baggage` (up to 8 kB) would be parsed into every request for nothing.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  active = trace.getTracer('chommie-gateway');
  // By host only, as every URL is logged: a hosted collector's key may be in its URL.
  log?.info({ protocol: wanted.protocol, host: wanted.url && new URL(wanted.url).host }, 'OpenTelemetry traces exported over OTLP/HTTP');
  return {
    flush: () => provider.forceFlush().catch((err: unknown) => log?.warn({ err }, 'OpenTelemetry: spans could not be exported')),
    async shutdown() {
      active = null;
      // Bounded: a collector that accepts and never answers must not hold the exit past the
      // stop's announced bound (the exporter's own timeout is 10 s, the batch's 30 s).
      const gaveUp = new Promise<'late'>((resolve) => setTimeout(resolve, SHUTDOWN_EXPORT_MS, 'late').unref());
      const done = provider.shutdown().then(
        () => 'done' as const,
        (err: unknown) => void log?.warn({ err }, 'OpenTelemetry: spans still queued at exit were not exported'),
      );
      if ((await Promise.race([done, gaveUp])) === 'late')
        log?.warn(`OpenTelemetry: the collector took over ${SHUTDOWN_EXPORT_MS} ms; spans still queued are dropped`);
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The SDK's own complaints (an unreachable collector) in the log, the same one at most once a minute. */
function throttledDiag(log: Logger) {
  const last = new Map<string, number>();
  const say =
    (level: 'warn' | 'error') =>
    (message: string, ...args: unknown[]) => {
      const now = Date.now();
      // By its start: messages that carry counts or ids ("Dropped 12 spans…") are still one
      // message, and the keys stay few (no clearing, which would let everything through again).
      const key = message.slice(0, 32);
      if (now - (last.get(key) ?? -Infinity) < 60_000) return;
      last.set(key, now);
      log[level]({ detail: args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ') }, `OpenTelemetry: ${message}`);
    };
  const quiet = () => undefined;
  return { error: say('error'), warn: say('warn'), info: quiet, debug: quiet, verbose: quiet };
}

type HeaderSource = Record<string, string | string[] | undefined> | Headers;

const headerGetter: TextMapGetter<HeaderSource> = {
  keys: (carrier) => (typeof carrier.get === 'function' ? [...(carrier as Headers).keys()] : Object.keys(carrier)),
  get: (carrier, key) => {
    if (typeof carrier.get === 'function') return (carrier as Headers).get(key) ?? undefined;
    return (carrier as Record<string, string | string[] | undefined>)[key];
  },
};

/** A request's server span, continuing the caller's `traceparent` when it sent one. */
export interface RequestTrace {
  span: Span;
  context: Context;
  traceId: string;
}

export function startRequestSpan(headers: HeaderSource, method: string, path: string): RequestTrace | undefined {
  const t = active;
  if (!t) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  const span = t.startSpan(
    `${method} ${path}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path, 'http.route': path } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span), traceId: span.spanContext().traceId };
}

/** Ends `span` with the request's status, the way HTTP server spans report it. */
export function endRequestSpan(request: RequestTrace, status: number, attributes: Attributes): void {
  request.span.setAttributes({ ...attributes, 'http.response.status_code': status });
  if (status >= 500) request.span.setStatus({ code: SpanStatusCode.ERROR });
  request.span.end();
}

/** `run` inside a child span of the active one; no span (and no cost) when tracing is off or nothing is active. */
export function inSpan<T>(name: string, attributes: Attributes, run: (span: Span | undefined) => Promise<T>, kind = SpanKind.INTERNAL): Promise<T> {
  const t = active;
  const parent = t && context.active();
  if (!t || !parent || !trace.getSpan(parent)) return run(undefined);
  const span = t.startSpan(name, { kind, attributes }, parent);
  // Async, so that a synchronous throw ends the span too (as a rejection).
  return context
    .with(trace.setSpan(parent, span), async () => run(span))
    .then(
      (value) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        span.end();
        throw err;
      },
    );
}

/**
 * The sqlcommenter comment naming `span`, appended to its statement so PostgreSQL's slow-query
 * log and pg_stat_activity lead back to the trace. Only for a sampled span: an unsampled trace
 * is exported nowhere, so the comment would lead nowhere. On a line of its own, so a statement
 * ending in a `--` comment cannot swallow it.
 */
export function traceComment(span: Span | undefined): string {
  const ctx = span?.spanContext();
  if (!ctx || !(ctx.traceFlags & TraceFlags.SAMPLED)) return '';
  return `\n/*traceparent='00-${ctx.traceId}-${ctx.spanId}-01'*/`;
}

/** Whether `sql` carries a trace comment: such a text is one of a kind, never worth preparing by name. */
export const hasTraceComment = (sql: string): boolean => sql.endsWith("'*/") && sql.includes("\n/*traceparent='");

export { SpanKind };
