/**
 * The cluster file (docs/cluster.md): which storage nodes exist, where they listen, their
 * placement weights, how many replicas each word has, and the secret every request to a
 * node must carry.
 *
 *     {"replicas": 3, "secret": "...", "nodes": [{"id": "n1", "address": "127.0.0.1:7101", "weight": 1}, ...]}
 */
import { readFileSync } from 'node:fs';
import { SqlError, SqlState } from '../common/sql-error.js';
import { replicasDefault, type NodeSpec } from './placement.js';

export interface ClusterNode extends NodeSpec {
  readonly host: string;
  readonly port: number;
}

export interface ClusterFile {
  readonly replicas: number;
  readonly secret: string;
  readonly nodes: readonly ClusterNode[];
}

/** A secret shorter than this is refused: it is the only thing between the network and the data. */
export const clusterSecretBytesMin = 16;

export function readClusterFile(path: string): ClusterFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(`cannot read cluster file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalid(`cluster file ${path} is not JSON: ${(error as Error).message}`);
  }
  return parseClusterFile(parsed, path);
}

/** Checks a parsed cluster file: every field present and sane, node ids and addresses unique. */
export function parseClusterFile(input: unknown, source = 'cluster file'): ClusterFile {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(`${source}: expected an object`);
  const { replicas = replicasDefault, secret, nodes } = input as Record<string, unknown>;
  if (typeof secret !== 'string' || Buffer.byteLength(secret) < clusterSecretBytesMin) {
    throw invalid(`${source}: "secret" must be a string of at least ${clusterSecretBytesMin} bytes`);
  }
  if (!Array.isArray(nodes) || nodes.length === 0) throw invalid(`${source}: "nodes" must be a non-empty array`);
  const parsedNodes = nodes.map((node, index) => parseNode(node, `${source}: nodes[${index}]`));
  for (const field of ['id', 'address'] as const) {
    const seen = new Set<string>();
    for (const node of parsedNodes) {
      const value = field === 'id' ? node.id : `${node.host}:${node.port}`;
      if (seen.has(value)) throw invalid(`${source}: two nodes have the ${field} ${value}`);
      seen.add(value);
    }
  }
  if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas) || replicas < 1 || replicas > parsedNodes.length) {
    throw invalid(`${source}: "replicas" must be an integer from 1 to the number of nodes (${parsedNodes.length})`);
  }
  return { replicas, secret, nodes: parsedNodes };
}

function parseNode(input: unknown, where: string): ClusterNode {
  if (typeof input !== 'object' || input === null) throw invalid(`${where}: expected an object`);
  const { id, address, weight = 1 } = input as Record<string, unknown>;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]{1,63}$/.test(id)) throw invalid(`${where}: "id" must be 1 to 63 letters, digits, _ . -`);
  if (typeof weight !== 'number' || !(weight > 0) || !Number.isFinite(weight)) throw invalid(`${where}: "weight" must be a positive number`);
  const match = typeof address === 'string' ? /^(.+):(\d{1,5})$/.exec(address) : null;
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port > 0 && port <= 65535)) throw invalid(`${where}: "address" must be host:port`);
  return { id, weight, host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function invalid(message: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, message);
}
