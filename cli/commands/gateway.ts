/**
 * `dmachine gateway`: a PostgreSQL frontend whose memory is the cluster (docs/cluster.md):
 * every word operation a statement makes is a CASPaxos change on the word's replicas. Any
 * number of gateways can serve one cluster at once; there is no leader to fail over.
 */
import { parseArgs } from 'node:util';
import { readClusterFile } from '../../cluster/cluster-file.js';
import { UsageError } from '../arguments.js';
import { frontendOptions, gatewayMemory, hostDefault, parseFrontend, portDefault, serveFrontend, serveGatewayHttp } from './start.js';

export const gatewayUsage = `dmachine gateway --cluster FILE [--host HOST] [--port PORT] [--http-port PORT]
                 [--max-connections N] [--statement-timeout MS] [--tls-cert FILE --tls-key FILE]
    Serve the PostgreSQL wire protocol on HOST:PORT (default ${hostDefault}:${portDefault}) over the
    cluster described in FILE (its nodes run dmachine node), with the same users, options and
    shutdown as dmachine start. --http-port serves GET /health and Prometheus GET /metrics.
    Not yet on a cluster: queue batches that need the linear memory (0A000).`;

export async function gatewayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { cluster: { type: 'string' }, 'http-port': { type: 'string' }, ...frontendOptions },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`gateway takes no arguments, got "${positionals.join(' ')}"`);
  if (values.cluster === undefined) throw new UsageError('gateway needs --cluster FILE');
  const frontend = parseFrontend(values);
  const cluster = readClusterFile(values.cluster);
  const memory = gatewayMemory(cluster);
  const description = `cluster of ${cluster.nodes.length} nodes (${cluster.nodes.map((node) => node.id).join(', ')}), ${cluster.replicas} replicas per word`;
  const closeHttp = await serveGatewayHttp(values['http-port'], frontend.host, memory);
  return serveFrontend(memory, frontend, description, async () => {
    await closeHttp();
    await memory.close();
  });
}
