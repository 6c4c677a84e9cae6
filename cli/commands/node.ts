/**
 * `dmachine node`: one storage node of a cluster (docs/cluster.md): the acceptors of the
 * words it holds, served at its address from the cluster file, its data in DIR.
 * SIGINT/SIGTERM stop it cleanly (requests in flight finish, pending writes are synced).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readClusterFile } from '../../cluster/cluster-file.js';
import { NodeServer } from '../../cluster/node-server.js';
import { UsageError } from '../arguments.js';

export const nodeUsage = `dmachine node --cluster FILE --id ID --data DIR [--host HOST]
    Run storage node ID of the cluster described in FILE (JSON: replicas, secret, nodes with
    id, address host:port and weight), its data in DIR (created if needed). It listens on the
    address the file gives it (or on HOST with that port). SIGINT/SIGTERM shut down cleanly.`;

export async function nodeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { cluster: { type: 'string' }, id: { type: 'string' }, data: { type: 'string' }, host: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`node takes no arguments, got "${positionals.join(' ')}"`);
  for (const flag of ['cluster', 'id', 'data'] as const) {
    if (values[flag] === undefined) throw new UsageError(`node needs --${flag}`);
  }
  const cluster = readClusterFile(values.cluster!);
  const server = await NodeServer.start({ cluster, id: values.id!, dataDirectory: resolve(values.data!), host: values.host });
  const { host, port } = server.node;
  process.stdout.write(`dmachine node ${values.id}: listening on ${values.host ?? host}:${port}, data in ${resolve(values.data!)}\n`);
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  process.stdout.write(`dmachine node ${values.id}: stopped\n`);
  return 0;
}
