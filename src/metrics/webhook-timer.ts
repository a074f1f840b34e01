import type { RequestHandler } from 'express';
import type { Histogram } from 'prom-client';

/** The label of a request that matched no route (a bad signature, an unknown path). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every request under its mount into the histogram, labelled by the route pattern
 * that handled it (`/webhooks/twilio/voice`), never the raw URL: a URL can carry a query
 * and any path anyone sends, and each distinct label value would be a new series.
 */
export function webhookTimer(histogram: Histogram<'route' | 'status'>): RequestHandler {
  return (req, res, next) => {
    const stop = histogram.startTimer();
    let route = UNMATCHED_ROUTE;
    let matched: unknown;
    // The router sets req.route when a route matches, with req.baseUrl at that route's
    // mount; on the way out (an error passed up to the app's handler) it puts baseUrl back,
    // so the pattern is taken at the moment of the match. Paths match case-insensitively,
    // hence the lower case: /WEBHOOKS/twilio/voice is the same route.
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => matched,
      set: (value: { path?: unknown } | undefined) => {
        matched = value;
        if (value && typeof value.path === 'string') route = `${req.baseUrl.toLowerCase()}${value.path}`;
      },
    });
    res.once('finish', () => stop({ route, status: `${Math.floor(res.statusCode / 100)}xx` }));
    next();
  };
}
