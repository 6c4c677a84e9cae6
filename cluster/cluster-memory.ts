/**
 * The Memory a gateway runs statements on (docs/cluster.md): every word operation is one
 * CASPaxos change of that word on its rendezvous replicas, so LOAD, WRITE, COMPARE,
 * COMPARE&SWAP and DELETE are linearizable and durable (a quorum persisted them) when they
 * answer. Nothing a statement reads can be undone later, so durable() has nothing to wait
 * for.
 *
 * Scans read the replicas and confirm each word by a quorum (scan, below). The linear
 * memory is segments each written by one gateway and copied to their replicas
 * (cluster/cluster-logs.ts).
 */
import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { SqlError, SqlState } from '../common/sql-error.js';
import { storedSortKeyBytes, type WordAddress } from '../store/key.js';
import type { LogAddress, Memory, ScanCursor, ScanPage, ScanRequest } from '../store/memory.js';
import { checkWordSize, sameValue, type CasResult, type Word } from '../store/word.js';
import { compareBallots } from './caspaxos/ballot.js';
import { Proposer, type ProposerStats } from './caspaxos/proposer.js';
import type { ClusterFile } from './cluster-file.js';
import { ClusterLogs, type ClusterLogOptions } from './cluster-logs.js';
import { latencyHistogram, mirroredCounter } from './metrics.js';
import { NodeClient, type NodeClientStats } from './node-client.js';
import type { NodeScanPage, ScannedWord } from './node-protocol.js';
import { wordKeyText } from './node-server.js';
import { Placement } from './placement.js';

export interface ClusterMemoryOptions {
  /** Unique among gateways; random by default. */
  readonly proposerId?: string | undefined;
  /** A node request that takes longer fails (its operations count as unanswered). */
  readonly timeoutMilliseconds?: number | undefined;
  readonly lnr?: ClusterLogOptions | undefined;
  /**
   * Resources whose words are read under leases (the catalog: every statement reads it, DDL
   * rarely changes it). Such a read is answered from the gateway's memory while a quorum's
   * lease lasts; a change of such a word through another gateway waits until it ends.
   */
  readonly leasedResources?: readonly string[] | undefined;
  /** How long a leased read asks for (at most the nodes' leaseMillisecondsMax). */
  readonly leaseMilliseconds?: number | undefined;
}

/** Long enough to save most catalog reads, short enough that DDL through another gateway waits little. */
const leaseMillisecondsDefault = 1000;

export class ClusterMemory implements Memory {
  /** The gateway's Prometheus metrics (cluster/metrics.ts). */
  readonly registry = new Registry();
  private readonly client: NodeClient;
  private readonly proposer: Proposer<Buffer, WordAddress>;
  private readonly placement: Placement;
  private readonly logs: ClusterLogs;
  private readonly leasedResources: ReadonlySet<string>;
  /** Words a scan could not confirm from its answers and read again through the protocol. */
  private scanRereads = 0;
  private readonly seconds = latencyHistogram(this.registry, 'dmachine_gateway_word_operation_seconds', 'Word operations on the cluster, by kind', ['kind']);

  constructor(
    private readonly cluster: ClusterFile,
    options: ClusterMemoryOptions = {},
  ) {
    this.leasedResources = new Set(options.leasedResources ?? []);
    const placement = new Placement(cluster.nodes);
    this.placement = placement;
    this.client = new NodeClient(cluster, options.timeoutMilliseconds);
    // Unique per gateway process: ballots of two gateways never tie.
    const id = options.proposerId ?? `g-${randomBytes(6).toString('hex')}`;
    this.proposer = new Proposer<Buffer, WordAddress>({
      id,
      replicas: (address) => placement.replicas(address.pointer, cluster.replicas),
      client: this.client,
      keyText: wordKeyText,
      sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
      random: Math.random,
      equals: (a, b) => a.equals(b),
      now: () => performance.now(),
      leaseMilliseconds: options.leaseMilliseconds ?? leaseMillisecondsDefault,
    });
    const mirrored: [string, string, () => number][] = [
      ['attempts', 'Rounds started (first attempts and retries)', () => this.proposer.stats.attempts],
      ['conflicts', 'Rounds lost to a higher ballot', () => this.proposer.stats.conflicts],
      ['round_trips', 'Round trips to the replicas (prepare, accept, read)', () => this.proposer.stats.roundTrips],
      ['fast_changes', 'Changes that skipped the prepare (one round trip)', () => this.proposer.stats.fastChanges],
      ['fast_fallbacks', 'One-round-trip changes that had to run both phases', () => this.proposer.stats.fastFallbacks],
      ['batched_changes', 'Changes that shared a round with another of the same word', () => this.proposer.stats.batchedChanges],
      ['quorum_reads', 'Reads a quorum answered without a change', () => this.proposer.stats.quorumReads],
      ['leased_reads', 'Reads answered from a value leased from a quorum, without a round trip', () => this.proposer.stats.leasedReads],
      ['lease_waits', "Changes that waited for another gateway's lease to end", () => this.proposer.stats.leaseWaits],
      ['node_requests', 'HTTP requests to nodes', () => this.client.stats.requests],
      ['node_operations', 'Acceptor operations sent to nodes', () => this.client.stats.operations],
      ['scan_rereads', 'Words a scan read again through the protocol (no quorum agreed)', () => this.scanRereads],
      ['lnr_repaired_records', 'lnr records copied to a segment replica that had missed them', () => this.logs.repairedRecords],
    ];
    for (const [name, help, read] of mirrored) mirroredCounter(this.registry, `dmachine_gateway_${name}_total`, help, read);
    const proposer = this.proposer;
    this.logs = new ClusterLogs(
      { placement, replicas: cluster.replicas, client: this.client, words: this, writer: id, change: (address, change) => proposer.change(address, change) },
      options.lnr,
    );
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
    const lease = this.leasedResources.has(address.resource);
    const value = await this.timed('load', () => this.proposer.read(address, { lease }));
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

  /**
   * A scan page from the replicas: a range scan asks the R replicas of its pointer, a
   * resource scan every node. Each word's value is the one with the highest accepted ballot
   * among its replicas' answers, taken when a quorum of its replicas report that very ballot
   * (a replica that does not list the word counts as having none), and otherwise read again
   * through the protocol. A page ends where some node's page ended (past it, that node's
   * next page may hold more words). Up to F nodes may fail to answer: every chosen value is
   * on a quorum, so an answering replica still lists it.
   */
  async scan(request: ScanRequest): Promise<ScanPage> {
    return this.timed('scan', async () => {
      const nodes = request.kind === 'sortKeyRange' ? this.placement.replicas(request.address.pointer, this.cluster.replicas) : this.cluster.nodes.map((node) => node.id);
      const answers = await Promise.allSettled(nodes.map((node) => this.client.scan(node, request)));
      const pages = new Map<string, NodeScanPage>();
      answers.forEach((answer, index) => {
        if (answer.status === 'fulfilled') pages.set(nodes[index]!, answer.value);
      });
      const tolerated = this.cluster.replicas - (Math.floor(this.cluster.replicas / 2) + 1);
      if (nodes.length - pages.size > tolerated) {
        const failure = answers.find((answer) => answer.status === 'rejected') as PromiseRejectedResult | undefined;
        throw new SqlError(SqlState.cannotConnectNow, `scan needs all but ${tolerated} of ${nodes.length} nodes; ${nodes.length - pages.size} did not answer (${String(failure?.reason?.message ?? failure?.reason)})`);
      }
      return this.mergePages(request, pages);
    });
  }

  private async mergePages(request: ScanRequest, pages: ReadonlyMap<string, NodeScanPage>): Promise<ScanPage> {
    const direction = request.kind === 'sortKeyRange' && request.reverse === true ? -1 : 1;
    const order = (a: ScanCursor, b: ScanCursor) => direction * (Buffer.compare(a.pointer, b.pointer) || Buffer.compare(a.sortKeyBytes, b.sortKeyBytes));
    // The page is complete only up to the earliest end of a full node page.
    let boundary: ScanCursor | undefined;
    for (const page of pages.values()) {
      if (page.next !== undefined && (boundary === undefined || order(page.next, boundary) < 0)) boundary = page.next;
    }
    const byWord = new Map<string, { cursor: ScanCursor; address: WordAddress; answers: Map<string, ScannedWord> }>();
    for (const [node, page] of pages) {
      for (const word of page.words) {
        const cursor = { pointer: word.address.pointer, sortKeyBytes: storedSortKeyBytes(word.address) };
        if (boundary !== undefined && order(cursor, boundary) > 0) continue;
        const key = wordKeyText(word.address);
        let entry = byWord.get(key);
        if (entry === undefined) {
          entry = { cursor, address: word.address, answers: new Map() };
          byWord.set(key, entry);
        }
        entry.answers.set(node, word);
      }
    }
    const examined = [...byWord.values()].sort((a, b) => order(a.cursor, b.cursor)).slice(0, request.limit);
    const values = await Promise.all(examined.map((entry) => this.confirmed(entry.address, entry.answers)));
    const words: Word[] = [];
    examined.forEach((entry, index) => {
      const value = values[index];
      if (value !== null && value !== undefined) words.push({ address: entry.address, value, version: 0 });
    });
    const cut = examined.length === request.limit || boundary !== undefined;
    const last = examined.at(-1);
    return { words, next: cut && last !== undefined ? last.cursor : cut ? boundary : undefined };
  }

  /** A word's value from its replicas' scan answers when a quorum of its replicas agree on the newest ballot, else read through the protocol. */
  private async confirmed(address: WordAddress, answers: ReadonlyMap<string, ScannedWord>): Promise<Buffer | null> {
    const replicas = this.placement.replicas(address.pointer, this.cluster.replicas);
    let newest: ScannedWord | undefined;
    for (const node of replicas) {
      const answer = answers.get(node);
      if (answer !== undefined && (newest === undefined || compareBallots(answer.accepted, newest.accepted) > 0)) newest = answer;
    }
    const agreeing = replicas.filter((node) => {
      const answer = answers.get(node);
      return answer !== undefined && newest !== undefined && compareBallots(answer.accepted, newest.accepted) === 0;
    }).length;
    if (newest !== undefined && agreeing >= Math.floor(replicas.length / 2) + 1) return newest.value;
    this.scanRereads++;
    return this.proposer.read(address);
  }

  append(log: LogAddress, payload: Uint8Array): Promise<number> {
    return this.timed('append', () => this.logs.append(log, payload));
  }

  readRecord(log: LogAddress, record: number): Promise<Uint8Array | undefined> {
    return this.timed('read_record', () => this.logs.readRecord(log, record));
  }

  dropRecordsBefore(log: LogAddress, record: number): Promise<number> {
    return this.logs.dropRecordsBefore(log, record);
  }

  dropLog(log: LogAddress): Promise<boolean> {
    return this.logs.dropLog(log);
  }

  /** Every answer is a value a quorum accepted: nothing to wait for. */
  durable(): Promise<void> {
    return Promise.resolve();
  }

  session(): Memory {
    return this;
  }

  /** Seals the segments this gateway writes (a clean stop leaves none for retention to wait out), then closes the connections. */
  async close(): Promise<void> {
    await this.logs.close();
    this.client.close();
  }
}
