/**
 * The CASPaxos acceptor (Rystsov, "CASPaxos: Replicated State Machines without logs",
 * 2018): for each word, the ballot it promised, the ballot it accepted and that ballot's
 * value. Its state is persisted durably before it replies, so a restarted acceptor never
 * forgets a promise or an acceptance it gave.
 *
 * As in Gryadka, an acceptor refuses a prepare or an accept whose ballot is below one it
 * promised or accepted, and answers an equal one again (a duplicated message). An accept
 * may carry the proposer's next ballot, which the acceptor then promises at once: the
 * proposer's next change of the word skips its prepare (one round trip instead of two).
 *
 * Read leases (with a clock): a read may ask for a lease, a promise that for the next few
 * milliseconds this acceptor takes no prepare or accept from any other proposer. A proposer
 * holding leases from a quorum that also agreed on the word's value may answer reads of it
 * from memory until the lease runs out, as no other value can be chosen meanwhile. A
 * refused writer is told how long to wait, and no new leases are granted on that word until
 * it has had its turn. Leases live in memory: a restarted acceptor refuses every prepare and
 * accept for the longest lease first, so no lease it forgot is broken.
 */
import { compareBallots, zeroBallot, type Ballot } from './ballot.js';

export interface AcceptorState<V> {
  readonly promised: Ballot;
  readonly accepted: Ballot;
  /** The value of the accepted ballot; null for none (or a deleted word). */
  readonly value: V | null;
  /**
   * The highest ballot accepted here of each of the last few proposers, so that a refused
   * accept can say whether an earlier copy of it was accepted (see AcceptReply).
   */
  readonly acceptedBy: readonly Ballot[];
}

/** Proposers whose last accepted ballot a word remembers; beyond them a refusal is "unknown". */
export const acceptedByMax = 8;

/** Where an acceptor keeps its state: `save` resolves once the state is durable. */
export interface AcceptorStorage<V, K = string> {
  load(key: K): Promise<AcceptorState<V> | undefined>;
  save(key: K, state: AcceptorState<V>): Promise<void>;
}

export interface ReadReply<V> {
  readonly accepted: Ballot;
  readonly value: V | null;
  /** Whether the lease asked for was granted. */
  readonly leased?: boolean | undefined;
}

/** A read's request for a lease: the proposer that will hold it, for how long. */
export interface LeaseRequest {
  readonly proposer: string;
  readonly milliseconds: number;
}

/** Refusals say `leasedMilliseconds` when a lease held by another proposer was the reason: wait that long. */
export type PrepareReply<V> =
  | { readonly ok: true; readonly accepted: Ballot; readonly value: V | null }
  | { readonly ok: false; readonly promised: Ballot; readonly leasedMilliseconds?: number | undefined };

/**
 * A refused accept also says whether this acceptor ever accepted that very ballot: a
 * duplicate of an accept it took earlier is refused once a higher ballot was promised, and
 * the proposer must not take that refusal for "not accepted". 'no' is certain (the
 * proposer's highest ballot accepted here is lower, or nothing this high was accepted at
 * all); 'unknown' when a later ballot of the same proposer was accepted here, or the
 * proposer is no longer remembered.
 */
export type AcceptReply =
  | { readonly ok: true }
  | { readonly ok: false; readonly promised: Ballot; readonly acceptedHere: 'yes' | 'no' | 'unknown'; readonly leasedMilliseconds?: number | undefined };

/** Read leases need a clock; without this an acceptor grants none. */
export interface LeaseOptions {
  readonly now: () => number;
  /** The longest lease granted; a restarted acceptor takes no prepare or accept for this long. */
  readonly millisecondsMax: number;
  /**
   * False skips that wait after a start: safe only when this acceptor cannot have granted a
   * lease before (a node whose store is new); the tests' negative control sets it otherwise.
   */
  readonly quarantine?: boolean;
}

/** Per word: lease holders and when each lease ends, and until when no new lease is granted. */
interface WordLeases {
  readonly holders: Map<string, number>;
  blockedUntil: number;
}

/** Leased words kept before the ended ones are pruned (grants of leases on many words stay bounded). */
const leasedWordsPruneAt = 10_000;

export const emptyAcceptorState: AcceptorState<never> = Object.freeze({ promised: zeroBallot, accepted: zeroBallot, value: null, acceptedBy: [] });

export class Acceptor<V, K = string> {
  /** One operation per key at a time, so a prepare and an accept of one word never interleave their load and save. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly leases = new Map<string, WordLeases>();
  /** Until then (after a start) no prepare or accept is taken: leases granted before are forgotten. */
  private readonly quarantineUntil: number;

  /** `keyText` names a key uniquely (the queues are by name). */
  constructor(
    private readonly storage: AcceptorStorage<V, K>,
    private readonly keyText: (key: K) => string = String,
    private readonly leaseOptions?: LeaseOptions,
  ) {
    this.quarantineUntil = leaseOptions === undefined || leaseOptions.quarantine === false ? 0 : leaseOptions.now() + leaseOptions.millisecondsMax;
  }

  prepare(key: K, ballot: Ballot): Promise<PrepareReply<V>> {
    return this.serialized(key, async () => {
      const state = (await this.storage.load(key)) ?? emptyAcceptorState;
      const highest = higher(state.promised, state.accepted);
      if (compareBallots(highest, ballot) > 0) return { ok: false, promised: highest };
      const leasedMilliseconds = this.leasedFor(key, ballot.proposer);
      if (leasedMilliseconds > 0) return { ok: false, promised: highest, leasedMilliseconds };
      if (compareBallots(state.promised, ballot) !== 0) await this.storage.save(key, { ...state, promised: ballot });
      return { ok: true, accepted: state.accepted, value: state.value };
    });
  }

  /**
   * What this acceptor has accepted, promising nothing and writing nothing: the proposer's
   * quorum read (a value a quorum reports under one ballot is chosen).
   */
  read(key: K, lease?: LeaseRequest): Promise<ReadReply<V>> {
    return this.serialized(key, async () => {
      const state = (await this.storage.load(key)) ?? emptyAcceptorState;
      if (lease === undefined) return { accepted: state.accepted, value: state.value };
      return { accepted: state.accepted, value: state.value, leased: this.grant(key, lease) };
    });
  }

  /** Accepts (`ballot`, `value`); with `promiseNext`, also promises that later ballot. */
  accept(key: K, ballot: Ballot, value: V | null, promiseNext?: Ballot): Promise<AcceptReply> {
    return this.serialized(key, async () => {
      const state = (await this.storage.load(key)) ?? emptyAcceptorState;
      const highest = higher(state.promised, state.accepted);
      if (compareBallots(highest, ballot) > 0) return { ok: false, promised: highest, acceptedHere: acceptedHere(state, ballot) };
      const leasedMilliseconds = this.leasedFor(key, ballot.proposer);
      if (leasedMilliseconds > 0) return { ok: false, promised: highest, acceptedHere: acceptedHere(state, ballot), leasedMilliseconds };
      const promised = promiseNext !== undefined && compareBallots(promiseNext, ballot) > 0 ? promiseNext : ballot;
      await this.storage.save(key, { promised, accepted: ballot, value, acceptedBy: withAccepted(state.acceptedBy, ballot) });
      return { ok: true };
    });
  }

  /** Grants a lease unless a writer is waiting for the word's leases to end (or there is no clock). */
  private grant(key: K, lease: LeaseRequest): boolean {
    if (this.leaseOptions === undefined || !(lease.milliseconds > 0 && lease.milliseconds <= this.leaseOptions.millisecondsMax)) return false;
    const now = this.leaseOptions.now();
    const text = this.keyText(key);
    let word = this.leases.get(text);
    if (word === undefined) {
      if (this.leases.size >= leasedWordsPruneAt) this.pruneLeases(now);
      word = { holders: new Map(), blockedUntil: 0 };
      this.leases.set(text, word);
    }
    if (now < word.blockedUntil) return false;
    word.holders.set(lease.proposer, Math.max(word.holders.get(lease.proposer) ?? 0, now + lease.milliseconds));
    return true;
  }

  /** Forgets the words whose leases have all ended and that block no grant. */
  private pruneLeases(now: number): void {
    for (const [text, word] of this.leases) {
      if (word.blockedUntil <= now && [...word.holders.values()].every((end) => end <= now)) this.leases.delete(text);
    }
  }

  /**
   * How long `proposer` must wait before this acceptor takes its prepare or accept: until the
   * leases other proposers hold on the word end (no new ones are granted meanwhile and for a
   * lease's length after, so the writer gets its turn), or the quarantine after a start ends.
   */
  private leasedFor(key: K, proposer: string): number {
    if (this.leaseOptions === undefined) return 0;
    const now = this.leaseOptions.now();
    let until = this.quarantineUntil;
    const text = this.keyText(key);
    const word = this.leases.get(text);
    if (word !== undefined) {
      for (const [holder, end] of word.holders) {
        if (end <= now) word.holders.delete(holder);
        else if (holder !== proposer) until = Math.max(until, end);
      }
      if (until > now) word.blockedUntil = Math.max(word.blockedUntil, until + this.leaseOptions.millisecondsMax);
      else if (word.holders.size === 0 && word.blockedUntil <= now) this.leases.delete(text);
    }
    return Math.max(0, until - now);
  }

  private serialized<T>(word: K, operation: () => Promise<T>): Promise<T> {
    const key = this.keyText(word);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const result = previous.then(operation, operation);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return result;
  }
}

/** Whether `ballot` was ever accepted here, as far as the state can tell. */
function acceptedHere(state: AcceptorState<unknown>, ballot: Ballot): 'yes' | 'no' | 'unknown' {
  const last = state.acceptedBy.find((entry) => entry.proposer === ballot.proposer);
  if (last !== undefined) {
    const order = compareBallots(last, ballot);
    return order === 0 ? 'yes' : order < 0 ? 'no' : 'unknown';
  }
  // Not remembered: certain only if nothing as high as this ballot was ever accepted here.
  return compareBallots(state.accepted, ballot) < 0 ? 'no' : 'unknown';
}

/** The proposers' last accepted ballots with `ballot` recorded, the lowest dropped past acceptedByMax. */
function withAccepted(acceptedBy: readonly Ballot[], ballot: Ballot): Ballot[] {
  const entries = [...acceptedBy.filter((entry) => entry.proposer !== ballot.proposer), ballot];
  entries.sort(compareBallots);
  return entries.slice(-acceptedByMax);
}

function higher(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}
