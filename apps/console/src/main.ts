import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@closeloop/config';
import { MalformedRequestError, PayloadTooLargeError, scrubSecrets } from '@closeloop/contracts';
import { acceptedContentTypes, correlationMiddleware, ProblemDetailsFilter } from '@closeloop/http';
import { httpMetrics, metricsOf, metricsPortOf, startMetricsServer, StructuredLogger } from '@closeloop/runtime';
import express from 'express';
import helmet from 'helmet';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { ConsoleConfig, consoleConfig, upstreamsOf } from './console-config';
import { consoleModule } from './console.module';

/** The browser application built by Vite beside this server (`vite build` writes dist/web). */
const WEB_ROOT = join(__dirname, 'web');
/** Paths the server answers itself; every other GET that asks for HTML is a route of the single-page application. */
const SERVER_PATHS = /^\/(api|health|config\.json|auth)(\/|$)/;
/** The resident's status page (/r/{token}): a page of its own, without the staff console (resident.html). */
const RESIDENT_PAGE = /^\/r(\/|$)/;

/** An upstream that cannot be reached answers as the services do, in problem+json, rather than a bare socket error. */
const upstreamUnavailable =
  (service: string) =>
  (error: Error, _request: unknown, response: ServerResponse | Socket): void => {
    if (!(response instanceof ServerResponse) || response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(502, { 'content-type': 'application/problem+json' });
    response.end(
      JSON.stringify({
        type: 'about:blank',
        title: 'Bad Gateway',
        status: 502,
        code: 'UPSTREAM_UNAVAILABLE',
        detail: `The ${service} service could not be reached: ${error.message}`,
      }),
    );
  };

/** A sign-in request is a code or two, never more. */
const SIGN_IN_BODY_LIMIT = '2kb';

/**
 * The console's own routes under /auth read small JSON bodies; nothing else is parsed (the proxy passes bodies on
 * untouched). A parser's refusal becomes the problem the services answer for the same mistake.
 */
const signInBodies = (): express.RequestHandler[] => {
  const parse = express.json({ limit: SIGN_IN_BODY_LIMIT });
  return [
    acceptedContentTypes(['application/json']),
    (request, response, next) =>
      parse(request, response, (error?: { type?: string; message?: string; status?: number }) => {
        if (error?.type === 'entity.too.large') return next(new PayloadTooLargeError(SIGN_IN_BODY_LIMIT));
        if (error?.status !== undefined && error.status >= 400 && error.status < 500)
          return next(new MalformedRequestError(error.message ?? 'unreadable'));
        next(error);
      }),
  ];
};

/** The browser talks to the identity provider itself (discovery, the token endpoint): its origin joins connect-src. */
const connectSources = (config: ConsoleConfig): string[] => [
  "'self'",
  ...(config.CONSOLE_OIDC_CLIENT_ID === undefined ? [] : [new URL(config.STAFF_TOKEN_ISSUER).origin]),
];

const start = async () => {
  const config = loadConfig(consoleConfig);
  if (!existsSync(join(WEB_ROOT, 'index.html'))) throw new Error(`${WEB_ROOT} has no index.html: run the build first`);
  const app = await NestFactory.create<NestExpressApplication>(consoleModule(config), {
    bodyParser: false,
    logger: new StructuredLogger({ service: 'console', level: config.LOG_LEVEL, format: config.LOG_FORMAT }),
  });
  app.disable('x-powered-by');
  const metrics = metricsOf(app, 'console');
  app.use(httpMetrics(metrics));
  // The bundle is served from here, so 'self' covers scripts; antd writes its styles at run time (style-src keeps
  // helmet's 'unsafe-inline'), and ECharts draws on canvas.
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null, connectSrc: connectSources(config) } },
    }),
  );
  app.use(correlationMiddleware);
  app.use('/auth', ...signInBodies());
  // Bodies pass through untouched (no parser runs before the proxy): the services check them as they always do.
  for (const [service, target] of Object.entries(upstreamsOf(config))) {
    app.use(
      `/api/${service}`,
      createProxyMiddleware({ target, changeOrigin: true, xfwd: true, on: { error: upstreamUnavailable(service) } }),
    );
  }
  app.use(express.static(WEB_ROOT, { index: false, maxAge: '1h' }));
  app.use((request: express.Request, response: express.Response, next: express.NextFunction) => {
    if (request.method !== 'GET' || SERVER_PATHS.test(request.path) || !request.accepts('html')) return next();
    response.setHeader('cache-control', 'no-cache');
    if (RESIDENT_PAGE.test(request.path)) {
      // The token is in the path: the page must not hand it to anything it links to.
      response.setHeader('referrer-policy', 'no-referrer');
      response.sendFile(join(WEB_ROOT, 'resident.html'));
      return;
    }
    response.sendFile(join(WEB_ROOT, 'index.html'));
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen(config.PORT, config.HOST);
  const metricsPort = metricsPortOf('console', config.METRICS_PORT);
  if (metricsPort !== undefined) await startMetricsServer(app, metrics, config.HOST, metricsPort);
};

start().catch((error: Error) => {
  console.error(scrubSecrets(`console failed to start: ${error.message}`));
  process.exit(1);
});
