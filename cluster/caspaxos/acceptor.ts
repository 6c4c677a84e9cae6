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
}

export type PrepareReply<V> =
  | { readonly ok: true; readonly accepted: Ballot; readonly value: V | null }
  | { readonly ok: false; readonly promised: Ballot };

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
  | { readonly ok: false; readonly promised: Ballot; readonly acceptedHere: 'yes' | 'no' | 'unknown' };

export const emptyAcceptorState: AcceptorState<never> = Object.freeze({ promised: zeroBallot, accepted: zeroBallot, value: null, acceptedBy: [] });

export class Acceptor<V, K = string> {
  /** One operation per key at a time, so a prepare and an accept of one word never interleave their load and save. */
  private readonly queues = new Map<string, Promise<unknown>>();

  /** `keyText` names a key uniquely (the queues are by name). */
  constructor(
    private readonly storage: AcceptorStorage<V, K>,
    private readonly keyText: (key: K) => string = String,
  ) {}

  prepare(key: K, ballot: Ballot): Promise<PrepareReply<V>> {
    return this.serialized(key, async () => {
      const state = (await this.storage.load(key)) ?? emptyAcceptorState;
      const highest = higher(state.promised, state.accepted);
      if (compareBallots(highest, ballot) > 0) return { ok: false, promised: highest };
      if (compareBallots(state.promised, ballot) !== 0) await this.storage.save(key, { ...state, promised: ballot });
      return { ok: true, accepted: state.accepted, value: state.value };
    });
  }

  /**
   * What this acceptor has accepted, promising nothing and writing nothing: the proposer's
   * quorum read (a value a quorum reports under one ballot is chosen).
   */
  read(key: K): Promise<ReadReply<V>> {
    return this.serialized(key, async () => {
      const state = (await this.storage.load(key)) ?? emptyAcceptorState;
      return { accepted: state.accepted, value: state.value };
    });
  }

  /** Accepts (`ballot`, `value`); with `promiseNext`, also promises that later ballot. */
  accept(key: K, ballot: Ballot, value: V | null, promiseNext?: Ballot): Promise<AcceptReply> {
    return this.serialized(key, async () => {
      const state = (await this.storage.load(key)) ?? emptyAcceptorState;
      const highest = higher(state.promised, state.accepted);
      if (compareBallots(highest, ballot) > 0) return { ok: false, promised: highest, acceptedHere: acceptedHere(state, ballot) };
      const promised = promiseNext !== undefined && compareBallots(promiseNext, ballot) > 0 ? promiseNext : ballot;
      await this.storage.save(key, { promised, accepted: ballot, value, acceptedBy: withAccepted(state.acceptedBy, ballot) });
      return { ok: true };
    });
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
