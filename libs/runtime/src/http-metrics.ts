import type { NextFunction, Request, Response } from 'express';
import { ServiceMetrics } from './metrics';

/**
 * The route template a request was matched to (`/v1/work-orders/:id`), never its path: a path carries ids and
 * tokens, and one series per id would swamp Prometheus. Empty when no route took the request (a 404, or a refusal
 * before routing such as load shedding or an unaccepted content type), as OpenTelemetry leaves http.route unset.
 */
export const routeTemplateOf = (request: Request): string => {
  const route = (request as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${request.baseUrl ?? ''}${route.path}` : '';
};

/** Times every request from its arrival to its response's last byte, into http_server_request_duration_seconds. */
export const httpMetrics = (metrics: ServiceMetrics) => {
  const histogram = metrics.histogram('http_server_request_duration_seconds');
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      histogram.observe(
        {
          http_request_method: request.method,
          http_route: routeTemplateOf(request),
          http_response_status_code: String(response.statusCode),
        },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    };
    response.once('finish', record);
    // A client that hung up still took the server's time; its status is what the server had set by then.
    response.once('close', record);
    next();
  };
};
