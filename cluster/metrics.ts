/**
 * Prometheus metrics of nodes and gateways (prom-client), served at GET /metrics next to
 * GET /health. Counters the protocol code keeps as plain numbers (cluster/caspaxos stays
 * free of any metrics library) are read at scrape time.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';

/** A counter that reports a number kept elsewhere (monotonic), read when scraped. */
export function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > reported) this.inc(now - reported);
      reported = now;
    },
  });
}

/** Latency buckets from 100 µs to 5 s: a word operation is a few round trips. */
export function latencyHistogram(registry: Registry, name: string, help: string, labelNames: string[] = []): Histogram<string> {
  return new Histogram({ name, help, labelNames, registers: [registry], buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
}

/** Adds GET /health (with `health()`'s fields) and GET /metrics to an app. */
export function addHealthAndMetrics(app: FastifyInstance, registry: Registry, health: () => Record<string, unknown>): void {
  app.get('/health', async () => ({ status: 'ok', ...health() }));
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}

/** A small HTTP server with only /health and /metrics (a gateway's). Resolves its bound port. */
export async function serveHealthAndMetrics(host: string, port: number, registry: Registry, health: () => Record<string, unknown>) {
  const app = Fastify();
  addHealthAndMetrics(app, registry, health);
  await app.listen({ host, port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address !== null ? address.port : port };
}
