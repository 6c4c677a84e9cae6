/**
 * Three storage nodes in this process on loopback TCP, each with its own data directory,
 * that a test can stop and start again, and gateway memories (ClusterMemory) over them that
 * are closed with the nodes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../cli/commands/start.js';
import type { ClusterFile } from '../../cluster/cluster-file.js';
import { ClusterMemory, type ClusterMemoryOptions } from '../../cluster/cluster-memory.js';
import { NodeServer } from '../../cluster/node-server.js';
import type { LogAddress } from '../../store/memory.js';

export class InProcessNodes {
  readonly servers = new Map<string, NodeServer>();
  private readonly memories: ClusterMemory[] = [];

  private constructor(
    readonly file: ClusterFile,
    private readonly directory: string,
  ) {}

  static async start(directory: string): Promise<InProcessNodes> {
    const ports = await Promise.all([1, 2, 3].map(() => freeLoopbackPort()));
    const file: ClusterFile = { replicas: 3, secret: 'a cluster secret of enough bytes', nodes: ports.map((port, index) => ({ id: `n${index + 1}`, host: '127.0.0.1', port, weight: 1 })) };
    const nodes = new InProcessNodes(file, directory);
    for (const node of file.nodes) await nodes.startNode(node.id);
    return nodes;
  }

  async startNode(id: string): Promise<void> {
    this.servers.set(id, await NodeServer.start({ cluster: this.file, id, dataDirectory: this.dataOf(id) }));
  }

  async stopNode(id: string): Promise<void> {
    await this.servers.get(id)!.close();
    this.servers.delete(id);
  }

  dataOf(id: string): string {
    return join(this.directory, id);
  }

  /** The segment numbers a node holds a copy of for a log. */
  segmentsOn(id: string, log: LogAddress): number[] {
    const logDirectory = join(this.dataOf(id), 'lnr', log.account, log.resource);
    return existsSync(logDirectory) ? readdirSync(logDirectory).map(Number).sort((a, b) => a - b) : [];
  }

  /** A gateway's memory over the nodes (1 s node timeout), closed by close(). */
  memory(options: ClusterMemoryOptions = {}): ClusterMemory {
    const memory = new ClusterMemory(this.file, { timeoutMilliseconds: 1000, ...options });
    this.memories.push(memory);
    return memory;
  }

  async close(): Promise<void> {
    await Promise.all(this.memories.map((memory) => memory.close()));
    for (const id of [...this.servers.keys()]) await this.stopNode(id);
  }
}
