import { context, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NodeSDK, NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { traceContextFrom } from '@closeloop/event-store';
import { routeTemplateOf } from './http-metrics';

// Traces (docs/adr/0035-opentelemetry-traces.md): off unless an OTLP endpoint is configured. The SDK reads the
// standard OTEL_* variables (protocol, sampler, batch delays, resource attributes); only the service name is ours.

let sdk: NodeSDK | undefined;

/** Whether the environment names a collector to send traces to: OTEL_EXPORTER_OTLP_ENDPOINT or its traces-only form. */
export const tracingConfigured = (env: NodeJS.ProcessEnv = process.env): boolean =>
  Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) &&
  env['OTEL_SDK_DISABLED'] !== 'true';

export interface TracingOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Where spans go instead of the OTLP exporter the environment describes (a test's in-memory list). */
  readonly spanProcessors?: NodeSDKConfiguration['spanProcessors'];
}

/** Starts the OpenTelemetry SDK for this process when a collector is configured; whether traces are on. */
export const startTracing = (service: string, options: TracingOptions = {}): boolean => {
  if (sdk === undefined && tracingConfigured(options.env)) {
    // Loaded only here: the SDK and its exporters take seconds to load, which a service with traces off never pays.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
    // Traces only: metrics stay with prom-client and logs with pino, so no reader or log processor is set up.
    sdk = new NodeSDK({
      serviceName: service,
      instrumentations: [],
      metricReaders: [],
      logRecordProcessors: [],
      ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    });
    sdk.start();
  }
  return sdk !== undefined;
};

/** Whether this process records and exports spans. */
export const tracingStarted = (): boolean => sdk !== undefined;

/** Sends the spans still buffered and stops the SDK: the last step of a graceful shutdown. */
export const stopTracing = async (): Promise<void> => {
  const stopping = sdk;
  sdk = undefined;
  await stopping?.shutdown().catch(() => undefined);
};

/** The response header naming the request's trace, for a caller to quote (or look up in the trace backend). */
export const TRACE_ID_HEADER = 'x-trace-id';

/** Probes come every few seconds from the orchestrator: a trace each would bury the ones worth reading. */
const UNTRACED = /^\/health(\/|$)/;

const requestSpans = new WeakMap<Request, Span>();

/**
 * A server span for each request, continuing the caller's W3C `traceparent` if it sent one, named by the route
 * template it was matched to (never its path, which carries ids), its id echoed in X-Trace-Id. First in the
 * chain, so it times the whole request; it becomes the active context only where the handlers begin (inRequestSpan).
 */
export const httpSpans: RequestHandler = (request: Request, response: Response, next: NextFunction) => {
  if (UNTRACED.test(request.path)) return next();
  const span = trace
    .getTracer('@closeloop/runtime')
    .startSpan(
      request.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method } },
      traceContextFrom(request.headers),
    );
  requestSpans.set(request, span);
  response.setHeader(TRACE_ID_HEADER, span.spanContext().traceId);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    const route = routeTemplateOf(request);
    if (route) {
      span.updateName(`${request.method} ${route}`);
      span.setAttribute(ATTR_HTTP_ROUTE, route);
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
    // A 4xx is the caller's mistake, not a failure of the server (OpenTelemetry's HTTP server conventions).
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  };
  response.once('finish', end);
  // A client that hung up still took the server's time.
  response.once('close', end);
  next();
};

/**
 * Runs the rest of a request's handling with its server span active, so what it appends carries the trace on. Called
 * where the correlation id's log context begins, after the body parser, whose callbacks would lose the context.
 */
export const inRequestSpan = (request: Request, next: () => void): void => {
  const span = requestSpans.get(request);
  if (span === undefined) return next();
  context.with(trace.setSpan(ROOT_CONTEXT, span), next);
};
