/**
 * `dmachine start`: the embedded default (DESIGN §7). One process: the node's memory in
 * DIR and the PostgreSQL frontend (wire/server.ts) on 127.0.0.1:5433, with the
 * administrator `admin` (password `admin`, or $DMACHINE_ADMIN_PASSWORD) created on first
 * start. SIGINT/SIGTERM stop it cleanly: no new connections, in-flight statements finish,
 * sessions are told (57P01), then the memory is closed (every write is already durable).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readClusterFile } from '../../cluster/cluster-file.js';
import { ClusterMemory } from '../../cluster/cluster-memory.js';
import type { ClusterFile } from '../../cluster/cluster-file.js';
import { catalogResource } from '../../compiler/catalog.js';
import { serveHealthAndMetrics } from '../../cluster/metrics.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { Memory } from '../../store/memory.js';
import { parseMilliseconds } from '../../wire/settings.js';
import { connectionsMaxDefault, WireServer } from '../../wire/server.js';
import { UsageError } from '../arguments.js';

export const dataDirectoryDefault = './data';
export const hostDefault = '127.0.0.1';
export const portDefault = 5433;
export const adminUser = 'admin';
export const adminPasswordDefault = 'admin';
export const adminPasswordVariable = 'DMACHINE_ADMIN_PASSWORD';

export const startUsage = `dmachine start [--host HOST] [--port PORT] [--data DIR] [--nodes N] [--max-connections N]
               [--statement-timeout MS] [--tls-cert FILE --tls-key FILE]
    Serve the PostgreSQL wire protocol on HOST:PORT (default ${hostDefault}:${portDefault}) over the
    embedded single-node memory in DIR (default ${dataDirectoryDefault}, created if needed).
    The first start creates the user "${adminUser}" with the password $${adminPasswordVariable}
    (default "${adminPasswordDefault}", refused for a non-loopback HOST).
      --max-connections N     sessions at once (default ${connectionsMaxDefault}); more get 53300
      --statement-timeout MS  default statement_timeout (0: none; also 5s, 1min)
      --tls-cert, --tls-key   PEM files: enable TLS (sslmode=require)
      --nodes N               a local cluster instead: N node processes (data in DIR/n1 ..),
                              the cluster file DIR/cluster.json, and this process as its gateway
      --http-port PORT        with --nodes: the gateway's /health and /metrics on HOST:PORT
    SIGINT/SIGTERM shut down cleanly.`;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`${flag} takes a non-negative integer, got "${text}"`);
  return value;
}

/** The options `start` and `gateway` share: where and how the PostgreSQL frontend listens. */
export const frontendOptions = {
  host: { type: 'string' },
  port: { type: 'string' },
  'max-connections': { type: 'string' },
  'statement-timeout': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

export interface Frontend {
  readonly host: string;
  readonly port: number;
  readonly connectionsMax: number | undefined;
  readonly statementTimeoutMilliseconds: number;
  readonly tls: { cert: Buffer; key: Buffer } | undefined;
  readonly password: string;
}

/** Checks the frontend options (exit code 2 for a mistake) and reads the admin password from the environment. */
export function parseFrontend(values: { [K in keyof typeof frontendOptions]?: string | undefined }): Frontend {
  const host = values.host ?? hostDefault;
  const port = values.port === undefined ? portDefault : positiveInteger(values.port, '--port');
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const connectionsMax = values['max-connections'] === undefined ? undefined : positiveInteger(values['max-connections'], '--max-connections');
  const timeoutText = values['statement-timeout'];
  const statementTimeoutMilliseconds = timeoutText === undefined ? 0 : parseMilliseconds(timeoutText);
  if (statementTimeoutMilliseconds === undefined) throw new UsageError(`--statement-timeout takes milliseconds (or 5s, 1min), got "${timeoutText}"`);
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls =
    values['tls-cert'] === undefined ? undefined : { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']!) };
  const passwordGiven = process.env[adminPasswordVariable];
  const password = passwordGiven === undefined || passwordGiven === '' ? adminPasswordDefault : passwordGiven;
  if (!isLoopback(host) && password === adminPasswordDefault) {
    throw new UsageError(`refusing to listen on ${host} with the default admin password: set ${adminPasswordVariable}`);
  }
  return { host, port, connectionsMax, statementTimeoutMilliseconds, tls, password };
}

export async function startCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: 'string' }, nodes: { type: 'string' }, 'http-port': { type: 'string' }, ...frontendOptions },
    allowPositionals: true,
  });
  if (values['http-port'] !== undefined && values.nodes === undefined) throw new UsageError('--http-port goes with --nodes (a gateway serves it)');
  if (positionals.length > 0) throw new UsageError(`start takes no arguments, got "${positionals.join(' ')}"`);
  const frontend = parseFrontend(values);
  const directory = resolve(values.data ?? dataDirectoryDefault);
  if (values.nodes !== undefined) {
    const count = positiveInteger(values.nodes, '--nodes');
    if (count < 1 || count > localNodesMax) throw new UsageError(`--nodes takes 1 to ${localNodesMax}, got ${count}`);
    return startLocalCluster(directory, count, frontend, values['http-port']);
  }
  const memory = LocalMemory.open(directory);
  const { journalMode, synchronous } = memory.store.durabilitySettings();
  const description =
    `memory open in ${directory} (journal_mode=${journalMode}, synchronous=${synchronous}, ` +
    `WAL fdatasync before every acknowledgement, words stored: ${memory.store.countWords()})`;
  return serveFrontend(memory, frontend, description, () => memory.close());
}

/**
 * Serves the PostgreSQL frontend over `memory` until SIGINT/SIGTERM: creates the admin on
 * first use, prints how to connect, then shuts down cleanly and closes the memory.
 */
export async function serveFrontend(memory: Memory, frontend: Frontend, description: string, closeMemory: () => Promise<void>): Promise<number> {
  const { host, port, connectionsMax, statementTimeoutMilliseconds, tls, password } = frontend;
  const server = new WireServer({ memory, host, port, connectionsMax, statementTimeoutMilliseconds, tls });
  try {
    const admin = await server.accounts.bootstrapAdmin(adminUser, password);
    const boundPort = await server.listen();
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const credentials = password === adminPasswordDefault ? `${adminUser}:${adminPasswordDefault}` : adminUser;
    process.stdout.write(
      `dmachine: ${description}\n` +
        `dmachine: user "${adminUser}" ${admin === 'created' ? 'created' : 'exists (its password is kept)'}\n` +
        `dmachine: listening on ${urlHost}:${boundPort}${tls === undefined ? '' : ' (TLS available)'}; connect with\n` +
        `  psql postgres://${credentials}@${urlHost}:${boundPort}/${adminUser}\n`,
    );
  } catch (error) {
    await closeMemory();
    throw error;
  }

  await new Promise<void>((resolveStop) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write(`dmachine: ${signal} received, shutting down\n`);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  await closeMemory();
  process.stdout.write('dmachine: stopped\n');
  return 0;
}

/** A gateway's memory over a cluster: every statement reads its relation's catalog word, so those are read under leases. */
export function gatewayMemory(cluster: ClusterFile): ClusterMemory {
  return new ClusterMemory(cluster, { leasedResources: [catalogResource] });
}

const localNodesMax = 9;

/**
 * Serves GET /health and GET /metrics of a cluster gateway on --http-port (when given), on the
 * frontend's host; resolves what to close at shutdown.
 */
export async function serveGatewayHttp(httpPort: string | undefined, host: string, memory: ClusterMemory): Promise<() => Promise<void>> {
  if (httpPort === undefined) return async () => {};
  const port = positiveInteger(httpPort, '--http-port');
  const { app, port: bound } = await serveHealthAndMetrics(host, port, memory.registry, () => ({ role: 'gateway' }));
  const urlHost = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`dmachine: health and metrics on http://${urlHost}:${bound}/health and /metrics\n`);
  return () => app.close();
}

/**
 * `start --nodes N`: N `dmachine node` processes on loopback (their cluster file made on
 * first start, with a random secret and free ports, and kept for the next) and this process
 * as their gateway. Stopping stops the nodes too.
 */
async function startLocalCluster(directory: string, count: number, frontend: Frontend, httpPort: string | undefined): Promise<number> {
  const clusterPath = join(directory, 'cluster.json');
  if (!existsSync(clusterPath)) await writeLocalClusterFile(clusterPath, count);
  const cluster = readClusterFile(clusterPath);
  if (cluster.nodes.length !== count) {
    throw new UsageError(`${clusterPath} describes ${cluster.nodes.length} nodes, not ${count}: use --nodes ${cluster.nodes.length} or another --data`);
  }
  const nodes = await Promise.all(cluster.nodes.map((node) => spawnNode(clusterPath, node.id, join(directory, node.id))));
  const stopNodes = async () => {
    await Promise.all(nodes.map(async (node) => {
      node.child.kill('SIGTERM');
      await node.exited;
    }));
  };
  const memory = gatewayMemory(cluster);
  const description = `local cluster of ${count} node processes (data in ${directory}/n1..n${count}, ${cluster.replicas} replicas per word)`;
  try {
    const closeHttp = await serveGatewayHttp(httpPort, frontend.host, memory);
    return await serveFrontend(memory, frontend, description, async () => {
      await closeHttp();
      await memory.close();
      await stopNodes();
    });
  } catch (error) {
    await stopNodes();
    throw error;
  }
}

async function writeLocalClusterFile(path: string, count: number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const ports = await Promise.all(Array.from({ length: count }, freeLoopbackPort));
  const nodes = ports.map((port, index) => ({ id: `n${index + 1}`, address: `127.0.0.1:${port}`, weight: 1 }));
  writeFileSync(path, `${JSON.stringify({ replicas: Math.min(3, count), secret: randomBytes(24).toString('hex'), nodes }, null, 2)}\n`, { mode: 0o600 });
}

/** A loopback port nothing listens on right now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * A `dmachine node` child process, resolved once it listens. `program` is what runs the
 * dmachine command under node: by default the way this process was run (same node flags,
 * same entry script). Its standard error is passed through.
 */
export async function spawnNode(
  clusterPath: string,
  id: string,
  dataDirectory: string,
  program: readonly string[] = [...process.execArgv, process.argv[1]!],
): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const child = spawn(process.execPath, [...program, 'node', '--cluster', clusterPath, '--id', id, '--data', dataDirectory], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolveExit) => child.on('exit', () => resolveExit()));
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  await new Promise<void>((resolveReady, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) resolveReady();
    });
    void exited.then(() => reject(new Error(`node ${id} exited before it listened: ${output}`)));
  });
  return { child, exited };
}
