import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery } from '@prisma/driver-adapter-utils';
import pino from 'pino';
import { statementNames } from '../../src/db/database';
import { tracedAdapter } from '../../src/db/traced-adapter';
import { hasTraceComment, startTracing, tracer, tracingWanted, TracingConfigError, type Tracing } from '../../src/tracing';

describe('which environment turns traces on', () => {
  it('is off without an OTLP endpoint, with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none', () => {
    expect(tracingWanted({})).toBeNull();
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBeNull();
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeNull();
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('is on with either endpoint, over protobuf unless http/json is asked for, the traces protocol winning', () => {
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual({ protocol: 'http/protobuf', url: 'http://c:4318/v1/traces' });
    expect(
      tracingWanted({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
    ).toEqual({ protocol: 'http/json', url: 'https://c/otlp' });
    expect(
      tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }),
    ).toEqual({ protocol: 'http/json', url: 'http://c:4318/v1/traces' });
  });

  it('refuses, by variable, what it cannot honour instead of silently exporting nothing', () => {
    const refusal = (env: Parameters<typeof tracingWanted>[0]) => {
      try {
        tracingWanted(env);
        return null;
      } catch (err) {
        expect(err).toBeInstanceOf(TracingConfigError);
        return (err as Error).message;
      }
    };
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatch(
      /^OTEL_EXPORTER_OTLP_PROTOCOL: .*grpc is not supported/,
    );
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT: an http:\/\/ or https:\/\/ URL/);
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'otlp,zipkin' })).toMatch(/^OTEL_TRACES_EXPORTER: .*zipkin/);
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'ratio' })).toMatch(
      /^OTEL_TRACES_SAMPLER: one of always_on, .*got ratio$/,
    );
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '10%' })).toMatch(
      /^OTEL_TRACES_SAMPLER_ARG: a ratio from 0 to 1/,
    );
    expect(
      refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
    ).toBeNull();
  });
});

/** A driver adapter that records what it was sent. */
function fakeFactory(sent: string[]): SqlDriverAdapterFactory {
  const queryable = {
    provider: 'postgres',
    adapterName: 'fake',
    queryRaw: (q: SqlQuery) => {
      sent.push(q.sql);
      return Promise.resolve({ columnNames: [], columnTypes: [], rows: [] });
    },
    executeRaw: (q: SqlQuery) => {
      sent.push(q.sql);
      return Promise.resolve(1);
    },
  };
  const adapter = {
    ...queryable,
    startTransaction: () =>
      Promise.resolve({ ...queryable, options: { usePhantomQuery: false }, commit: () => Promise.resolve(), rollback: () => Promise.resolve() }),
  } as unknown as SqlDriverAdapter;
  return { provider: 'postgres', adapterName: 'fake', connect: () => Promise.resolve(adapter) } as unknown as SqlDriverAdapterFactory;
}

const query = (sql: string): SqlQuery => ({ sql, args: [], argTypes: [] });

describe('statements of a traced request', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = (await startTracing({}, undefined, { exporter }))!;
  });
  afterAll(() => tracing.shutdown());
  beforeEach(() => exporter.reset());

  it('get a client span each, child of the active span, saying where they went; a sampled one carries its traceparent', async () => {
    const sent: string[] = [];
    const adapter = await tracedAdapter(fakeFactory(sent), { role: 'replica', name: 'db2:5433/jobs' }).connect();
    const parent = tracer()!.startSpan('request');
    await context.with(trace.setSpan(context.active(), parent), async () => {
      await adapter.queryRaw(query('SELECT id FROM job WHERE id = $1'));
      const tx = await adapter.startTransaction();
      await tx.executeRaw(query('UPDATE job SET title = $1'));
    });
    parent.end();
    await tracing.flush();
    const spans = exporter.getFinishedSpans().filter((s) => s.name !== 'request');
    expect(spans.map((s) => s.name)).toEqual(['SELECT', 'UPDATE']);
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(span.attributes).toMatchObject({ 'db.system': 'postgresql', 'chommie.db.role': 'replica', 'server.address': 'db2:5433', 'db.namespace': 'jobs' });
      // The text as written: the comment is for the database, not the span.
      expect(String(span.attributes['db.query.text'])).not.toContain('traceparent');
    }
    expect(sent).toEqual(
      spans.map(
        (s, i) =>
          `${['SELECT id FROM job WHERE id = $1', 'UPDATE job SET title = $1'][i]}\n/*traceparent='00-${s.spanContext().traceId}-${s.spanContext().spanId}-01'*/`,
      ),
    );
    expect(sent.every(hasTraceComment)).toBe(true);
  });

  it('of an unsampled trace keep their text (and so their prepared name); outside any request, no span at all', async () => {
    const sent: string[] = [];
    const adapter = await tracedAdapter(fakeFactory(sent), { role: 'primary' }).connect();
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });
    await context.with(unsampled, () => adapter.queryRaw(query('SELECT 1')));
    await adapter.queryRaw(query('SELECT 2'));
    await tracing.flush();
    expect(sent).toEqual(['SELECT 1', 'SELECT 2']);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('are never prepared by name when they carry a trace comment: each text is one of a kind', () => {
    const name = statementNames();
    const sql = 'SELECT id FROM job WHERE id = $1';
    expect(name(query(sql))).toMatch(/^chommie_/);
    expect(name(query(`${sql}\n/*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/`))).toBe('');
    expect(name(query(sql))).toMatch(/^chommie_/);
  });
});

describe('exporting over OTLP/HTTP', () => {
  let sink: Server;
  const received: { url?: string; type?: string; bytes: number }[] = [];
  beforeAll(async () => {
    sink = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        received.push({ url: req.url, type: req.headers['content-type'], bytes });
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => sink.close(resolve)));

  it('sends protobuf to <endpoint>/v1/traces by default', async () => {
    const { port } = sink.address() as AddressInfo;
    const tracing = (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }))!;
    tracer()!.startSpan('one').end();
    await tracing.shutdown();
    expect(tracer()).toBeNull();
    expect(received).toEqual([expect.objectContaining({ url: '/v1/traces', type: 'application/x-protobuf' })]);
    expect(received[0].bytes).toBeGreaterThan(0);
  });

  it('survives a collector that is down: spans are dropped, the failure is logged, nothing throws', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => done(void lines.push(chunk.toString())) }));
    const previous = process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
    process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '1000';
    try {
      const tracing = (await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }, log))!;
      tracer()!.startSpan('lost').end();
      await tracing.flush();
      await tracing.shutdown();
    } finally {
      if (previous === undefined) delete process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
      else process.env.OTEL_EXPORTER_OTLP_TIMEOUT = previous;
    }
    expect(lines.some((l) => /OpenTelemetry/.test(l) && /"level":(40|50)/.test(l))).toBe(true);
  }, 30_000);
});
