/**
 * A storage node (`dmachine node`): the CASPaxos acceptors of the words this node holds,
 * served over HTTP (fastify, keep-alive) at its address from the cluster file.
 *
 *     POST /v1/acceptor   a batch of prepares and accepts (cluster/node-protocol.ts); the
 *                         shared secret in x-dmachine-secret, compared in constant time;
 *                         401 without it, 400 with SQLSTATE 08P01 for a malformed batch
 *     POST /v1/scan       one page of a range or resource scan: each word's accepted ballot and
 *                         value, for the gateway to confirm by quorum (cluster/cluster-memory.ts)
 *     POST /v1/lnr        one operation on the copies of log segments this node is a replica of
 *                         (append in order, read, next, seal, drop; cluster/segment-replicas.ts)
 *     GET  /health        {"status": "ok", "node": id}; no secret needed
 *     GET  /metrics       Prometheus: operations and refusals by kind, batch latency, words stored
 *
 * Acceptor states live in the node's rnd store (cluster/acceptor-storage.ts), whose group
 * commit makes the saves of concurrent requests durable with one sync.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { encode } from '@msgpack/msgpack';
import { Counter, Gauge, Registry } from 'prom-client';
import { SqlError } from '../common/sql-error.js';
import type { WordAddress } from '../store/key.js';
import { lnrDirectoryName, rndStoreFileName } from '../store/local-memory.js';
import { RndStore } from '../store/rnd-store.js';
import { acceptorStateBytesMax, decodeState, RndAcceptorStorage } from './acceptor-storage.js';
import { Acceptor } from './caspaxos/acceptor.js';
import type { ClusterFile, ClusterNode } from './cluster-file.js';
import { addHealthAndMetrics, latencyHistogram, mirroredCounter } from './metrics.js';
import {
  acceptorPath,
  decodeRequests,
  decodeLnrRequest,
  decodeScan,
  encodeReplies,
  encodeScanPage,
  lnrPath,
  readReplyBytesMax,
  scanPath,
  secretHeader,
  type LnrRequest,
  type NodeReply,
  type NodeScanPage,
} from './node-protocol.js';
import { SegmentReplicas } from './segment-replicas.js';

/**
 * The longest read lease a node grants; after it starts, a node takes no prepare or accept
 * for this long (leases it granted before are forgotten). Gateways ask for less
 * (cluster-memory.ts).
 */
export const leaseMillisecondsMax = 2000;

/** A batch body at most: every operation carrying a full word, and then some. */
const bodyBytesMax = 64 * 1024 * 1024;

export interface NodeServerOptions {
  readonly cluster: ClusterFile;
  readonly id: string;
  readonly dataDirectory: string;
  /** Listen here instead of the cluster file's host (the port is always the file's). */
  readonly host?: string | undefined;
}

export class NodeServer {
  private constructor(
    readonly node: ClusterNode,
    private readonly app: FastifyInstance,
    private readonly store: RndStore,
    private readonly segments: SegmentReplicas,
  ) {}

  static async start(options: NodeServerOptions): Promise<NodeServer> {
    const node = options.cluster.nodes.find((candidate) => candidate.id === options.id);
    if (node === undefined) throw new SqlError('22023', `node "${options.id}" is not in the cluster file`);
    mkdirSync(options.dataDirectory, { recursive: true });
    const storePath = join(options.dataDirectory, rndStoreFileName);
    // A node whose store is new has granted no lease: it need not wait any out. (A read grants
    // leases without writing, so "holds no words" would not do.)
    const quarantine = existsSync(storePath);
    const store = RndStore.open(storePath, { valueBytesMax: acceptorStateBytesMax });
    const segments = new SegmentReplicas(join(options.dataDirectory, lnrDirectoryName));
    const acceptor = new Acceptor<Buffer, WordAddress>(new RndAcceptorStorage(store), wordKeyText, { now: () => performance.now(), millisecondsMax: leaseMillisecondsMax, quarantine });
    // On close, connections are cut rather than waited for: gateways keep theirs open (keep-alive)
    // and would hold a stopping node forever. A request cut short is a lost reply, as in a crash.
    const app = Fastify({ bodyLimit: bodyBytesMax, keepAliveTimeout: 60_000, forceCloseConnections: true });
    const secretDigest = digest(options.cluster.secret);
    app.addContentTypeParser('application/msgpack', { parseAs: 'buffer', bodyLimit: bodyBytesMax }, (_request, body, done) => done(null, body));
    const metrics = nodeMetrics(store);
    addHealthAndMetrics(app, metrics.registry, () => ({ node: node.id }));
    // Every /v1 request carries the cluster secret and a MessagePack body.
    app.addHook('preHandler', async (request, reply) => {
      if (!request.url.startsWith('/v1/')) return;
      const given = request.headers[secretHeader];
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), secretDigest)) {
        return reply.code(401).send({ error: 'the cluster secret is missing or wrong' });
      }
      if (!Buffer.isBuffer(request.body)) return reply.code(415).send({ error: 'send application/msgpack' });
    });
    app.post(scanPath, async (request, reply) => {
      let page: NodeScanPage;
      try {
        const scan = decodeScan(request.body as Buffer);
        const stored = scan.kind === 'sortKeyRange' ? store.scanSortKeys(scan) : store.scanResource(scan);
        metrics.operations.inc({ op: 'scan' });
        page = {
          words: stored.words.map((word) => {
            const { accepted, value } = decodeState(word.value, word.address);
            return { address: word.address, accepted, value };
          }),
          next: stored.next,
        };
      } catch (error) {
        if (!(error instanceof SqlError)) throw error;
        return reply.code(400).send({ error: error.message, sqlstate: error.sqlstate });
      }
      return reply.type('application/msgpack').send(Buffer.from(encodeScanPage(page)));
    });
    app.post(lnrPath, async (request, reply) => {
      let operation: LnrRequest;
      try {
        operation = decodeLnrRequest(request.body as Buffer);
      } catch (error) {
        const failure = error as SqlError;
        return reply.code(400).send({ error: failure.message, sqlstate: failure.sqlstate });
      }
      metrics.operations.inc({ op: `lnr ${operation.op}` });
      let answer: object;
      try {
        answer = await serveLnr(segments, operation);
      } catch (error) {
        if (!(error instanceof SqlError)) throw error;
        return reply.code(500).send({ error: error.message, sqlstate: error.sqlstate });
      }
      return reply.type('application/msgpack').send(Buffer.from(encode(answer)));
    });
    app.post(acceptorPath, async (request, reply) => {
      let requests;
      try {
        requests = decodeRequests(request.body as Buffer);
      } catch (error) {
        const failure = error as SqlError;
        return reply.code(400).send({ error: failure.message, sqlstate: failure.sqlstate });
      }
      const timer = metrics.batchSeconds.startTimer();
      const replies: NodeReply[] = await Promise.all(
        requests.map((operation) => {
          metrics.operations.inc({ op: operation.op });
          if (operation.op === 'read') return acceptor.read(operation.key, operation.lease);
          if (operation.op === 'prepare') return acceptor.prepare(operation.key, operation.ballot);
          return acceptor.accept(operation.key, operation.ballot, operation.value, operation.next);
        }),
      );
      timer();
      requests.forEach((operation, index) => {
        if ('ok' in replies[index]! && !(replies[index] as { ok: boolean }).ok) metrics.refusals.inc({ op: operation.op });
      });
      return reply.type('application/msgpack').send(Buffer.from(encodeReplies(replies)));
    });
    try {
      await app.listen({ host: options.host ?? node.host, port: node.port });
    } catch (error) {
      await app.close();
      await segments.close();
      await store.close();
      throw error;
    }
    return new NodeServer(node, app, store, segments);
  }

  /** Stops taking requests and cuts the connections, then closes the stores (writes in flight finish and are synced). */
  async close(): Promise<void> {
    await this.app.close();
    await this.segments.close();
    await this.store.close();
  }
}

/** One operation on the node's segment copies, as its reply. */
async function serveLnr(segments: SegmentReplicas, operation: LnrRequest): Promise<object> {
  if (operation.op === 'append') return segments.append(operation.log, operation.segment, operation.first, operation.payloads);
  if (operation.op === 'read') return { payloads: await segments.read(operation.log, operation.segment, operation.record, operation.count, readReplyBytesMax) };
  if (operation.op === 'next') return { next: await segments.next(operation.log, operation.segment) };
  if (operation.op === 'seal') {
    await segments.seal(operation.log, operation.segment);
    return { ok: true };
  }
  return { existed: await segments.drop(operation.log, operation.segment) };
}

function nodeMetrics(store: RndStore) {
  const registry = new Registry();
  const operations = new Counter({ name: 'dmachine_node_operations_total', help: 'Acceptor operations served, by kind', labelNames: ['op'], registers: [registry] });
  const refusals = new Counter({ name: 'dmachine_node_refusals_total', help: 'Prepares and accepts refused for a higher ballot (conflicts)', labelNames: ['op'], registers: [registry] });
  const batchSeconds = latencyHistogram(registry, 'dmachine_node_batch_seconds', 'Time to serve one batch of operations, durable writes included');
  new Gauge({ name: 'dmachine_node_words_stored', help: 'Words this node holds an acceptor state for', registers: [registry], collect() { this.set(store.countWords()); } });
  mirroredCounter(registry, 'dmachine_node_group_commits_total', 'Transactions of the node store (group commits)', () => store.stats.transactions);
  mirroredCounter(registry, 'dmachine_node_syncs_total', 'fdatasyncs of the node store WAL', () => store.stats.syncs);
  return { registry, operations, refusals, batchSeconds };
}

/** A word's unique name for the acceptor's per-word queues: pointer and sort-key bytes. */
export function wordKeyText(address: WordAddress): string {
  return `${address.pointer.toString('hex')}/${address.sortKey?.bytes.toString('hex') ?? ''}`;
}

/** Equal-length digests, so the comparison's time says nothing about the secret's length or prefix. */
function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}
