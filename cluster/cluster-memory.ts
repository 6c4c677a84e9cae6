/**
 * The Memory a gateway runs statements on (docs/cluster.md): every word operation is one
 * CASPaxos change of that word on its rendezvous replicas, so LOAD, WRITE, COMPARE,
 * COMPARE&SWAP and DELETE are linearizable and durable (a quorum persisted them) when they
 * answer. Nothing a statement reads can be undone later, so durable() has nothing to wait
 * for.
 *
 * Not yet: scans (reading every replica and confirming each word by a quorum) and the
 * linear memory (segments copied to their replicas): they fail with 0A000, so a statement
 * that needs them says so instead of answering from part of the data.
 */
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { SqlError, SqlState } from '../common/sql-error.js';
import type { WordAddress } from '../store/key.js';
import type { LogAddress, Memory, ScanPage, ScanRequest } from '../store/memory.js';
import { checkWordSize, sameValue, type CasResult, type Word } from '../store/word.js';
import { Proposer, type ProposerStats } from './caspaxos/proposer.js';
import type { ClusterFile } from './cluster-file.js';
import { latencyHistogram, mirroredCounter } from './metrics.js';
import { NodeClient, type NodeClientStats } from './node-client.js';
import { wordKeyText } from './node-server.js';
import { Placement } from './placement.js';

export class ClusterMemory implements Memory {
  /** The gateway's Prometheus metrics (cluster/metrics.ts). */
  readonly registry = new Registry();
  private readonly client: NodeClient;
  private readonly proposer: Proposer<Buffer, WordAddress>;
  private readonly seconds = latencyHistogram(this.registry, 'dmachine_gateway_word_operation_seconds', 'Word operations on the cluster, by kind', ['kind']);

  constructor(cluster: ClusterFile, options: { proposerId?: string; timeoutMilliseconds?: number } = {}) {
    const placement = new Placement(cluster.nodes);
    this.client = new NodeClient(cluster, options.timeoutMilliseconds);
    this.proposer = new Proposer<Buffer, WordAddress>({
      // Unique per gateway process: ballots of two gateways never tie.
      id: options.proposerId ?? `g-${randomBytes(6).toString('hex')}`,
      replicas: (address) => placement.replicas(address.pointer, cluster.replicas),
      client: this.client,
      keyText: wordKeyText,
      sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
      random: Math.random,
      equals: (a, b) => a.equals(b),
    });
    const mirrored: [string, string, () => number][] = [
      ['attempts', 'Rounds started (first attempts and retries)', () => this.proposer.stats.attempts],
      ['conflicts', 'Rounds lost to a higher ballot', () => this.proposer.stats.conflicts],
      ['round_trips', 'Round trips to the replicas (prepare, accept, read)', () => this.proposer.stats.roundTrips],
      ['fast_changes', 'Changes that skipped the prepare (one round trip)', () => this.proposer.stats.fastChanges],
      ['fast_fallbacks', 'One-round-trip changes that had to run both phases', () => this.proposer.stats.fastFallbacks],
      ['batched_changes', 'Changes that shared a round with another of the same word', () => this.proposer.stats.batchedChanges],
      ['quorum_reads', 'Reads a quorum answered without a change', () => this.proposer.stats.quorumReads],
      ['node_requests', 'HTTP requests to nodes', () => this.client.stats.requests],
      ['node_operations', 'Acceptor operations sent to nodes', () => this.client.stats.operations],
    ];
    for (const [name, help, read] of mirrored) mirroredCounter(this.registry, `dmachine_gateway_${name}_total`, help, read);
  }

  /** Runs a word operation, timing it by kind. */
  private async timed<T>(kind: string, operation: () => Promise<T>): Promise<T> {
    const stop = this.seconds.startTimer({ kind });
    try {
      return await operation();
    } finally {
      stop();
    }
  }

  get stats(): { proposer: ProposerStats; client: NodeClientStats } {
    return { proposer: this.proposer.stats, client: this.client.stats };
  }

  async load(address: WordAddress): Promise<Word | undefined> {
    const value = await this.timed('load', () => this.proposer.read(address));
    return value === null ? undefined : { address, value, version: 0 };
  }

  async write(address: WordAddress, value: Uint8Array): Promise<void> {
    checkWordSize(value);
    const bytes = Buffer.from(value);
    await this.timed('write', () => this.proposer.change(address, () => ({ next: bytes, result: undefined })));
  }

  async compare(address: WordAddress, expected: Uint8Array | null): Promise<boolean> {
    return sameValue((await this.load(address))?.value ?? null, expected);
  }

  async cas(address: WordAddress, expected: Uint8Array | null, next: Uint8Array | null): Promise<CasResult> {
    if (next !== null) checkWordSize(next);
    const replacement = next === null ? null : Buffer.from(next);
    return this.timed('cas', () =>
      this.proposer.change(address, (current): { next: Buffer | null; result: CasResult } =>
        sameValue(current, expected) ? { next: replacement, result: { applied: true } } : { next: current, result: { applied: false, current } },
      ),
    );
  }

  async delete(address: WordAddress): Promise<boolean> {
    return this.timed('delete', () => this.proposer.change(address, (current) => ({ next: null, result: current !== null })));
  }

  async scan(_request: ScanRequest): Promise<ScanPage> {
    throw notYet('scans (range and table scans)');
  }

  async append(_log: LogAddress, _payload: Uint8Array): Promise<number> {
    throw notYet('queues (linear memory)');
  }

  async readRecord(_log: LogAddress, _record: number): Promise<Uint8Array | undefined> {
    throw notYet('queues (linear memory)');
  }

  async dropRecordsBefore(_log: LogAddress, _record: number): Promise<number> {
    throw notYet('queues (linear memory)');
  }

  async dropLog(_log: LogAddress): Promise<boolean> {
    throw notYet('queues (linear memory)');
  }

  /** Every answer is a value a quorum accepted: nothing to wait for. */
  durable(): Promise<void> {
    return Promise.resolve();
  }

  session(): Memory {
    return this;
  }

  close(): void {
    this.client.close();
  }
}

function notYet(what: string): SqlError {
  return new SqlError(SqlState.featureNotSupported, `${what} are not supported on a cluster yet`, {
    hint: 'run dmachine start (one node) for them; see docs/cluster.md',
  });
}
