/**
 * A gateway's connection to the storage nodes: the CASPaxos proposer's ReplicaClient over
 * HTTP. The operations for one node made in the same tick go in one request (a batch), over
 * keep-alive connections. A request that fails or takes longer than the timeout fails all
 * its operations: the proposer treats them as unanswered, never as refused.
 */
import http from 'node:http';
import type { WordAddress } from '../store/key.js';
import type { AcceptReply, LeaseRequest, PrepareReply, ReadReply } from './caspaxos/acceptor.js';
import type { Ballot } from './caspaxos/ballot.js';
import type { ReplicaClient } from './caspaxos/proposer.js';
import type { ClusterFile, ClusterNode } from './cluster-file.js';
import type { LogAddress, ScanRequest } from '../store/memory.js';
import {
  acceptorPath,
  batchOperationsMax,
  decodeAppendReply,
  decodeDropReply,
  decodeNextReply,
  decodeReadReply,
  decodeReplies,
  decodeScanPage,
  encodeLnrRequest,
  encodeRequests,
  encodeScan,
  lnrPath,
  scanPath,
  secretHeader,
  type AppendReply,
  type LnrRequest,
  type NodeReply,
  type NodeRequest,
  type NodeScanPage,
} from './node-protocol.js';

interface Pending {
  readonly request: NodeRequest;
  readonly resolve: (reply: NodeReply) => void;
  readonly reject: (error: unknown) => void;
}

export interface NodeClientStats {
  /** HTTP requests sent, and the operations they carried. */
  requests: number;
  operations: number;
}

export class NodeClient implements ReplicaClient<Buffer, WordAddress> {
  readonly stats: NodeClientStats = { requests: 0, operations: 0 };
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly nodes: Map<string, ClusterNode>;
  private readonly queues = new Map<string, Pending[]>();

  constructor(
    private readonly cluster: ClusterFile,
    private readonly timeoutMilliseconds = 2000,
  ) {
    this.nodes = new Map(cluster.nodes.map((node) => [node.id, node]));
  }

  read(node: string, key: WordAddress, lease?: LeaseRequest): Promise<ReadReply<Buffer>> {
    return this.enqueue(node, { op: 'read', key, lease }) as Promise<ReadReply<Buffer>>;
  }

  prepare(node: string, key: WordAddress, ballot: Ballot): Promise<PrepareReply<Buffer>> {
    return this.enqueue(node, { op: 'prepare', key, ballot }) as Promise<PrepareReply<Buffer>>;
  }

  accept(node: string, key: WordAddress, ballot: Ballot, value: Buffer | null, promiseNext?: Ballot): Promise<AcceptReply> {
    return this.enqueue(node, { op: 'accept', key, ballot, value, next: promiseNext }) as Promise<AcceptReply>;
  }

  /** One page of a scan on one node (not batched: a scan is one request). */
  async scan(nodeId: string, request: ScanRequest): Promise<NodeScanPage> {
    this.stats.requests++;
    return decodeScanPage(await this.post(this.node(nodeId), encodeScan(request), scanPath));
  }

  /** Appends records to a node's copy of a segment (not batched: one request each). */
  async append(nodeId: string, log: LogAddress, segment: number, first: number, payloads: readonly Buffer[]): Promise<AppendReply> {
    return decodeAppendReply(await this.lnr(nodeId, { op: 'append', log, segment, first, payloads }));
  }

  /** Records from `record` on (at most `count`) from a node's copy of their segment; fewer, or none, when that copy does not hold them. */
  async readRecords(nodeId: string, log: LogAddress, segment: number, record: number, count: number): Promise<Buffer[]> {
    return decodeReadReply(await this.lnr(nodeId, { op: 'read', log, segment, record, count }));
  }

  /** The record number a node's copy of a segment takes next. */
  async nextRecord(nodeId: string, log: LogAddress, segment: number): Promise<number> {
    return decodeNextReply(await this.lnr(nodeId, { op: 'next', log, segment }));
  }

  async seal(nodeId: string, log: LogAddress, segment: number): Promise<void> {
    await this.lnr(nodeId, { op: 'seal', log, segment });
  }

  /** Deletes a node's copy of a segment; resolves whether it had one. */
  async drop(nodeId: string, log: LogAddress, segment: number): Promise<boolean> {
    return decodeDropReply(await this.lnr(nodeId, { op: 'drop', log, segment }));
  }

  private lnr(nodeId: string, request: LnrRequest): Promise<Buffer> {
    this.stats.requests++;
    return this.post(this.node(nodeId), encodeLnrRequest(request), lnrPath);
  }

  private node(nodeId: string): ClusterNode {
    const node = this.nodes.get(nodeId);
    if (node === undefined) throw new Error(`node "${nodeId}" is not in the cluster file`);
    return node;
  }

  close(): void {
    this.agent.destroy();
  }

  private enqueue(node: string, request: NodeRequest): Promise<NodeReply> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(node);
      if (queue === undefined) {
        queue = [];
        this.queues.set(node, queue);
        setImmediate(() => this.flush(node));
      }
      queue.push({ request, resolve, reject });
    });
  }

  private flush(node: string): void {
    const queue = this.queues.get(node) ?? [];
    this.queues.delete(node);
    for (let start = 0; start < queue.length; start += batchOperationsMax) {
      void this.send(node, queue.slice(start, start + batchOperationsMax));
    }
  }

  private async send(nodeId: string, batch: Pending[]): Promise<void> {
    try {
      this.stats.requests++;
      this.stats.operations += batch.length;
      const body = await this.post(this.node(nodeId), encodeRequests(batch.map((pending) => pending.request)), acceptorPath);
      const replies = decodeReplies(body, batch.length);
      batch.forEach((pending, index) => pending.resolve(replies[index]!));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  private post(node: ClusterNode, body: Uint8Array, path: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent: this.agent,
          host: node.host,
          port: node.port,
          method: 'POST',
          path,
          timeout: this.timeoutMilliseconds,
          headers: { 'content-type': 'application/msgpack', 'content-length': body.byteLength, [secretHeader]: this.cluster.secret },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const payload = Buffer.concat(chunks);
            if (response.statusCode === 200) resolve(payload);
            else reject(new Error(`node ${node.id} answered ${response.statusCode}: ${payload.toString('utf8').slice(0, 200)}`));
          });
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`node ${node.id} did not answer within ${this.timeoutMilliseconds} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  }
}
