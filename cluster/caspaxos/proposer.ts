/**
 * The CASPaxos proposer (Rystsov 2018): changes one word, replicated on its R rendezvous
 * replicas, by a change function, linearizably and without a leader.
 *
 *   1. prepare(ballot) to every replica; F+1 promises → the value with the highest
 *      accepted ballot among them is the word's current value
 *   2. apply the change function: LOAD is the identity, WRITE sets, COMPARE&SWAP sets if
 *      equal; a failed compare writes the value back unchanged, so it is linearizable too
 *   3. accept(ballot, new value) to every replica; F+1 acceptances → done
 *
 * A refused prepare, or an accept refused by every replica, changed nothing: the proposer
 * moves its counter past the ballot it was shown and tries again after a random backoff.
 * An accept that some replicas took but not a quorum, or whose answers did not all come
 * back, may or may not have chosen the value. The proposer then settles it with a higher
 * ballot: if the newest accepted value a quorum shows is still its own (same ballot), no
 * later value was chosen, so it finishes its own; if it is older, it writes that older
 * value back (a no-op), after which its own can never be chosen, and retries the change.
 * If it is newer, another proposer may have built on its value or not, and the operation
 * fails with 40003 (statement_completion_unknown), never with a guess. A change that left
 * the value as it was (a LOAD, a failed compare) needs none of this: it runs again. When
 * the attempts run out having changed nothing, the error is 57P03 if too few replicas
 * answered, 40001 (serialization_failure) if other proposers kept winning.
 *
 * One round trip instead of two (as Gryadka does): every accept also asks the replicas to
 * promise the proposer's next ballot. When a quorum accepted, the proposer remembers the
 * word's value and that promised ballot, and its next change of the word goes straight to
 * the accept phase with them. No other proposer can have chosen a value in between: its
 * prepare would have needed a quorum of promises above that ballot, and a quorum of ours
 * would then refuse the accept. Any refusal or doubt drops the remembered state, and the
 * change runs the two phases; so do the word's next few changes, since a word other
 * proposers are changing would mostly refuse a remembered ballot.
 *
 * Leased reads (with a clock): a read that asks for a lease is answered from memory while
 * the proposer holds leases on the word from a quorum of replicas that also agreed on its
 * value (acceptor.ts): until the leases end, no other proposer's change can be chosen.
 * The proposer's own changes drop the remembered value first, and a read that overlapped
 * one of them remembers nothing. Validity is counted from when the read was sent, less a
 * margin for clocks running at different rates. A change refused for another proposer's
 * lease waits as long as the replica says, without counting it as an attempt.
 *
 * Transport, clock and randomness are injected, so the deterministic simulator (test/sim)
 * runs this very code.
 */
import { SqlError, SqlState } from '../../common/sql-error.js';
import type { AcceptReply, LeaseRequest, PrepareReply, ReadReply } from './acceptor.js';
import { compareBallots, zeroBallot, type Ballot } from './ballot.js';

/** Requests to one replica; a rejected promise means no answer (unreachable, timed out). */
export interface ReplicaClient<V, K = string> {
  read(node: string, key: K, lease?: LeaseRequest): Promise<ReadReply<V>>;
  prepare(node: string, key: K, ballot: Ballot): Promise<PrepareReply<V>>;
  accept(node: string, key: K, ballot: Ballot, value: V | null, promiseNext?: Ballot): Promise<AcceptReply>;
}

export interface ProposerOptions<V, K = string> {
  /** Unique among proposers: it breaks ties between ballots. */
  readonly id: string;
  /** The replicas of a word (its rendezvous top R). */
  readonly replicas: (key: K) => readonly string[];
  readonly client: ReplicaClient<V, K>;
  /** Names a key uniquely (for the one-round-trip memory and messages); String by default. */
  readonly keyText?: (key: K) => string;
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  readonly attemptsMax?: number;
  readonly backoffMaxMilliseconds?: number;
  /**
   * Acceptances that make a value chosen. Only the simulator's negative control sets it
   * (to 1, which is unsafe); otherwise a majority of the replicas.
   */
  readonly acceptQuorum?: number;
  /** Value equality (byte equality for words); `Object.is` by default. */
  readonly equals?: (a: V, b: V) => boolean;
  /** Words whose promised next ballot the proposer remembers (one round trip per change); 0 turns it off. */
  readonly fastWordsMax?: number;
  /** The clock (milliseconds) for leased reads; without it reads are never leased. */
  readonly now?: () => number;
  /** How long a leased read asks the replicas to lease the word for. */
  readonly leaseMilliseconds?: number;
}

/** What a change function makes of the current value: the value to write and what to answer. */
export interface Change<V, R> {
  readonly next: V | null;
  readonly result: R;
}

export interface ProposerStats {
  attempts: number;
  conflicts: number;
  roundTrips: number;
  /** Changes that went straight to the accept phase, and those of them that had to fall back. */
  fastChanges: number;
  fastFallbacks: number;
  /** Changes that shared a round with an earlier one of the same word. */
  batchedChanges: number;
  /** Reads answered by a quorum reporting one ballot, without a change. */
  quorumReads: number;
  /** Reads answered from a leased value, without a round trip. */
  leasedReads: number;
  /** Waits for another proposer's lease before a prepare or accept was taken. */
  leaseWaits: number;
}

/** A word's value known under leases from a quorum, until `until` on the proposer's clock. */
interface Leased<V> {
  readonly value: V | null;
  readonly until: number;
}

interface WordQueue<V, K> {
  readonly key: K;
  readonly waiting: { change: (current: V | null) => Change<V, unknown>; resolve: (result: unknown) => void; reject: (error: unknown) => void }[];
  running: boolean;
}

/** Changes of one word that one round takes at most. */
const batchChangesMax = 256;

/** A word this proposer changed last: its value and the ballot the replicas promised next. */
interface FastPath<V> {
  readonly ballot: Ballot;
  readonly value: V | null;
}

const attemptsMaxDefault = 8;
const backoffMaxDefault = 50;
const fastWordsMaxDefault = 10_000;
/** Changes of a contended word that go without the one-round-trip path. */
const contendedChangesSkipped = 8;
const leaseMillisecondsDefault = 1000;
/** The share of a lease the proposer relies on: the rest covers clocks running at different rates. */
const leaseTrustedShare = 0.8;
/** Waits for other proposers' leases one change may make before it gives up (40001). */
const leaseWaitsMax = 20;

export class Proposer<V, K = string> {
  readonly stats: ProposerStats = { attempts: 0, conflicts: 0, roundTrips: 0, fastChanges: 0, fastFallbacks: 0, batchedChanges: 0, quorumReads: 0, leasedReads: 0, leaseWaits: 0 };
  private counter = 0;
  /** Insertion-ordered, so the oldest entry goes first when it is full. */
  private readonly fast = new Map<string, FastPath<V>>();
  /** Words whose remembered ballot was refused lately, and how many changes until it is used again. */
  private readonly contended = new Map<string, number>();
  /** Per word: the changes waiting for a round, and whether one is running. */
  private readonly queues = new Map<string, WordQueue<V, K>>();
  /** Values of words read under a quorum's leases. */
  private readonly leased = new Map<string, Leased<V>>();
  /** Per leased word, how many of this proposer's changes of it began: a read that saw this move remembers nothing. */
  private readonly leaseEpochs = new Map<string, number>();

  constructor(private readonly options: ProposerOptions<V, K>) {}

  /**
   * The word's value, linearizably. First a quorum read, which writes nothing: if a quorum
   * of replicas report the same accepted ballot, its value is chosen (a quorum holds it), and
   * no later value was chosen before the read began (that one's quorum would share a replica
   * with this one, which would report its higher ballot), so it is the answer. Otherwise the
   * read is a change that keeps the value (both phases, or the one-round-trip accept),
   * which makes whatever it returns chosen.
   */
  async read(key: K, options: { lease?: boolean } = {}): Promise<V | null> {
    const text = this.text(key);
    const now = this.options.now;
    const leasing = options.lease === true && now !== undefined;
    if (leasing) {
      const known = this.leased.get(text);
      if (known !== undefined && now() < known.until && !this.queues.has(text)) {
        this.stats.leasedReads++;
        return known.value;
      }
      this.leased.delete(text);
    }
    const milliseconds = this.options.leaseMilliseconds ?? leaseMillisecondsDefault;
    const lease = leasing ? { proposer: this.options.id, milliseconds } : undefined;
    const epoch = leasing ? this.leaseEpoch(text) : 0;
    const sentAt = leasing ? now() : 0;
    const replicas = this.options.replicas(key);
    const majority = Math.floor(replicas.length / 2) + 1;
    this.stats.roundTrips++;
    const agreed = await agreeingQuorum(replicas.map((node) => this.options.client.read(node, key, lease)), majority);
    if (agreed !== undefined) {
      this.stats.quorumReads++;
      const granted = agreed.quorum.every((reply) => reply.leased === true);
      if (leasing && granted && this.leaseEpoch(text) === epoch && !this.queues.has(text)) {
        this.leased.set(text, { value: agreed.reply.value, until: sentAt + milliseconds * leaseTrustedShare });
      }
      return agreed.reply.value;
    }
    return this.change(key, (current) => ({ next: current, result: current }));
  }

  /** A change of the word began or ended: its leased value is stale, and a read in flight must not remember what it saw. */
  private changed(text: string): void {
    this.leased.delete(text);
    const epoch = this.leaseEpochs.get(text);
    if (epoch !== undefined) this.leaseEpochs.set(text, epoch + 1);
  }

  private leaseEpoch(text: string): number {
    let epoch = this.leaseEpochs.get(text);
    if (epoch === undefined) {
      // Bounded: one entry per word read with a lease (catalog words), dropped wholesale past the bound.
      if (this.leaseEpochs.size >= (this.options.fastWordsMax ?? fastWordsMaxDefault)) this.leaseEpochs.clear();
      epoch = 0;
      this.leaseEpochs.set(text, epoch);
    }
    return epoch;
  }

  /**
   * Applies `change` to the word at `key` once, linearizably; resolves what it answered.
   *
   * Changes of one word through this proposer run one round at a time, and the changes
   * that arrive while a round runs go together in the next: their functions composed in
   * arrival order, one prepare/accept for all of them (taking effect, in that order, at
   * its accept). A hot word (the catalog word every statement checks, a counter) then
   * costs one round per round trip, not a conflict between every two of its callers.
   * A change function must be pure: a round may run it more than once.
   */
  change<R>(key: K, change: (current: V | null) => Change<V, R>): Promise<R> {
    const text = this.text(key);
    return new Promise<R>((resolve, reject) => {
      let queue = this.queues.get(text);
      if (queue === undefined) {
        queue = { key, waiting: [], running: false };
        this.queues.set(text, queue);
      }
      queue.waiting.push({ change: change as (current: V | null) => Change<V, unknown>, resolve: resolve as (result: unknown) => void, reject });
      this.changed(text);
      if (!queue.running) void this.drain(text, queue);
    });
  }

  /** Runs rounds for a word while changes wait, each round taking all that wait (up to batchChangesMax). */
  private async drain(text: string, queue: WordQueue<V, K>): Promise<void> {
    queue.running = true;
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, batchChangesMax);
      this.stats.batchedChanges += batch.length - 1;
      const composite = (current: V | null): Change<V, unknown[]> => {
        let value = current;
        const results = batch.map((waiting) => {
          const { next, result } = waiting.change(value);
          value = next;
          return result;
        });
        return { next: value, result: results };
      };
      try {
        const results = await this.changeOnce(queue.key, composite);
        this.changed(text);
        batch.forEach((waiting, index) => waiting.resolve(results[index]));
      } catch (error) {
        this.changed(text);
        for (const waiting of batch) waiting.reject(error);
      }
    }
    queue.running = false;
    this.queues.delete(text);
  }

  private async changeOnce<R>(key: K, change: (current: V | null) => Change<V, R>): Promise<R> {
    const replicas = this.options.replicas(key);
    const majority = Math.floor(replicas.length / 2) + 1;
    const attemptsMax = this.options.attemptsMax ?? attemptsMaxDefault;
    const fast = await this.tryFast(key, replicas, majority, change);
    if (fast.done) return fast.result;
    let answered = 0;
    let contended = false;
    const leaseWaits = { count: 0 };
    for (let attempt = 1; attempt <= attemptsMax; attempt++) {
      this.stats.attempts++;
      if (attempt > 1) await this.backoff(attempt);
      const ballot = this.nextBallot();
      const prepared = await this.prepare(key, replicas, ballot, majority);
      answered = Math.max(answered, prepared.answered);
      contended = prepared.answered >= majority;
      if (prepared.kind === 'refused') {
        this.conflict(prepared.promised);
        if (await this.waitForLease(prepared.leasedMilliseconds, leaseWaits)) attempt--;
        continue;
      }
      const { next, result } = change(prepared.value);
      const promiseNext = this.nextBallot();
      const accepted = await this.accept(key, replicas, ballot, next, this.quorum(majority), promiseNext);
      if (accepted.kind === 'chosen') {
        this.remember(key, promiseNext, next);
        return result;
      }
      if (accepted.kind === 'refused') {
        this.conflict(accepted.promised);
        if (await this.waitForLease(accepted.leasedMilliseconds, leaseWaits)) attempt--;
        continue;
      }
      if ((await this.afterUnknown(key, replicas, majority, { ballot, base: prepared.value, next }, accepted)) === 'took effect') return result;
    }
    if (contended) {
      throw new SqlError(SqlState.serializationFailure, `could not change ${this.text(key)}: other changes of it kept winning (${attemptsMax} attempts); nothing was changed`, {
        hint: 'retry the statement',
      });
    }
    throw new SqlError(
      SqlState.cannotConnectNow,
      `no quorum for ${this.text(key)} after ${attemptsMax} attempts: at most ${answered} of its ${replicas.length} replicas answered, ${majority} are needed`,
    );
  }

  /**
   * The one-round-trip path: with a remembered promise, the accept phase alone. Done when a
   * quorum accepted; otherwise the caller runs the two phases (a change whose accept may
   * have taken effect first settles it, as there).
   */
  private async tryFast<R>(
    key: K,
    replicas: readonly string[],
    majority: number,
    change: (current: V | null) => Change<V, R>,
  ): Promise<{ done: true; result: R } | { done: false }> {
    const remembered = this.fast.get(this.text(key));
    if (remembered === undefined) return { done: false };
    this.fast.delete(this.text(key));
    this.stats.fastChanges++;
    const { next, result } = change(remembered.value);
    const promiseNext = this.nextBallot();
    const accepted = await this.accept(key, replicas, remembered.ballot, next, this.quorum(majority), promiseNext);
    if (accepted.kind === 'chosen') {
      this.remember(key, promiseNext, next);
      return { done: true, result };
    }
    this.stats.fastFallbacks++;
    this.noteContended(key);
    if (accepted.kind === 'refused') this.conflict(accepted.promised);
    else if ((await this.afterUnknown(key, replicas, majority, { ballot: remembered.ballot, base: remembered.value, next }, accepted)) === 'took effect') {
      return { done: true, result };
    }
    return { done: false };
  }

  /**
   * After an accept of `next` (computed from `base`) under `ballot` whose outcome is unknown:
   * 'retry' when it certainly did not take effect or changed nothing (a LOAD, a failed
   * compare may simply run again), 'took effect' when settling shows it did; 40003 when
   * settling cannot tell.
   */
  private async afterUnknown(
    key: K,
    replicas: readonly string[],
    majority: number,
    attempt: { ballot: Ballot; base: V | null; next: V | null },
    accepted: { acceptances: number; unanswered: number },
  ): Promise<'retry' | 'took effect'> {
    if (this.equals(attempt.next, attempt.base)) return 'retry';
    const settled = await this.settle(key, replicas, attempt.ballot, attempt.next, majority);
    if (settled === 'took effect') return 'took effect';
    if (settled === 'did not') return 'retry';
    throw new SqlError(
      SqlState.statementCompletionUnknown,
      `the write to ${this.text(key)} may or may not have taken effect: ${accepted.acceptances} of ${replicas.length} replicas accepted it and ${accepted.unanswered} did not answer, and a later ballot has been accepted since`,
      { hint: 'read the word to see which' },
    );
  }

  private nextBallot(): Ballot {
    return { counter: ++this.counter, proposer: this.options.id };
  }

  private remember(key: K, ballot: Ballot, value: V | null): void {
    const wordsMax = this.options.fastWordsMax ?? fastWordsMaxDefault;
    if (wordsMax === 0) return;
    const text = this.text(key);
    const cooling = this.contended.get(text);
    if (cooling !== undefined) {
      // Another proposer changed this word lately: a remembered ballot would likely be refused.
      if (cooling > 1) this.contended.set(text, cooling - 1);
      else this.contended.delete(text);
      return;
    }
    if (this.fast.size >= wordsMax) this.fast.delete(this.fast.keys().next().value as string);
    this.fast.set(this.text(key), { ballot, value });
  }

  /** After a fast accept was refused, the next few changes of the word run both phases. */
  private noteContended(key: K): void {
    if (this.contended.size >= (this.options.fastWordsMax ?? fastWordsMaxDefault)) this.contended.clear();
    this.contended.set(this.text(key), contendedChangesSkipped);
  }

  private text(key: K): string {
    return (this.options.keyText ?? String)(key);
  }

  /**
   * After an accept of (`ballot`, `value`) with an unknown outcome: learns, with higher
   * ballots, whether it took effect, and makes the answer final (see the file comment).
   */
  private async settle(
    key: K,
    replicas: readonly string[],
    ballot: Ballot,
    value: V | null,
    majority: number,
  ): Promise<'took effect' | 'did not' | 'unknown'> {
    const attemptsMax = this.options.attemptsMax ?? attemptsMaxDefault;
    const leaseWaits = { count: 0 };
    for (let attempt = 1; attempt <= attemptsMax; attempt++) {
      await this.backoff(attempt);
      const fence = this.nextBallot();
      const prepared = await this.prepare(key, replicas, fence, majority);
      if (prepared.kind === 'refused') {
        this.conflict(prepared.promised);
        if (await this.waitForLease(prepared.leasedMilliseconds, leaseWaits)) attempt--;
        continue;
      }
      const order = compareBallots(prepared.accepted, ballot);
      if (order > 0) return 'unknown';
      const ours = order === 0;
      const accepted = await this.accept(key, replicas, fence, ours ? value : prepared.value, this.quorum(majority));
      if (accepted.kind === 'chosen') return ours ? 'took effect' : 'did not';
      if (accepted.kind === 'refused') {
        this.conflict(accepted.promised);
        if (await this.waitForLease(accepted.leasedMilliseconds, leaseWaits)) attempt--;
      }
    }
    return 'unknown';
  }

  /** When a refusal named another proposer's lease, waits it out (at most leaseWaitsMax times per change); says whether it did. */
  private async waitForLease(milliseconds: number, waits: { count: number }): Promise<boolean> {
    if (!(milliseconds > 0) || waits.count >= leaseWaitsMax) return false;
    waits.count++;
    this.stats.leaseWaits++;
    await this.options.sleep(milliseconds);
    return true;
  }

  private equals(a: V | null, b: V | null): boolean {
    if (a === null || b === null) return a === b;
    return (this.options.equals ?? Object.is)(a, b);
  }

  private quorum(majority: number): number {
    return this.options.acceptQuorum ?? majority;
  }

  /** Phase 1. Promised: the current value. Refused: some replica has promised a higher ballot. */
  private async prepare(
    key: K,
    replicas: readonly string[],
    ballot: Ballot,
    quorum: number,
  ): Promise<
    | { kind: 'promised'; value: V | null; accepted: Ballot; answered: number }
    | { kind: 'refused'; promised: Ballot; answered: number; leasedMilliseconds: number }
  > {
    this.stats.roundTrips++;
    const replies = await quorumOf(replicas.map((node) => this.options.client.prepare(node, key, ballot)), quorum, (reply) => reply.ok);
    const answered = replies.filter((reply) => reply !== undefined).length;
    const promises = replies.filter((reply): reply is Extract<PrepareReply<V>, { ok: true }> => reply?.ok === true);
    if (promises.length >= quorum) {
      const newest = promises.reduce((best, reply) => (compareBallots(reply.accepted, best.accepted) > 0 ? reply : best));
      return { kind: 'promised', value: newest.value, accepted: newest.accepted, answered };
    }
    return { kind: 'refused', promised: highestRefusal(replies), answered, leasedMilliseconds: longestLease(replies) };
  }

  /**
   * Phase 2. Chosen: a quorum accepted. Refused: every replica answered that it never
   * accepted this ballot, so nothing changed. Unknown: anything else. A refusal counts as
   * an acceptance when the replica says an earlier copy of the message was accepted, and
   * as no answer when it cannot tell (AcceptReply).
   */
  private async accept(
    key: K,
    replicas: readonly string[],
    ballot: Ballot,
    value: V | null,
    quorum: number,
    promiseNext?: Ballot,
  ): Promise<{ kind: 'chosen' } | { kind: 'refused'; promised: Ballot; leasedMilliseconds: number } | { kind: 'unknown'; acceptances: number; unanswered: number }> {
    this.stats.roundTrips++;
    const replies = await quorumOf(
      replicas.map((node) => this.options.client.accept(node, key, ballot, value, promiseNext)),
      quorum,
      (reply) => reply.ok || reply.acceptedHere === 'yes',
    );
    const verdicts = replies.map((reply) => {
      if (reply === undefined) return 'unanswered';
      if (reply.ok || reply.acceptedHere === 'yes') return 'accepted';
      return reply.acceptedHere === 'no' ? 'refused' : 'unanswered';
    });
    const acceptances = verdicts.filter((verdict) => verdict === 'accepted').length;
    if (acceptances >= quorum) return { kind: 'chosen' };
    const unanswered = verdicts.filter((verdict) => verdict === 'unanswered').length;
    if (acceptances === 0 && unanswered === 0) return { kind: 'refused', promised: highestRefusal(replies), leasedMilliseconds: longestLease(replies) };
    return { kind: 'unknown', acceptances, unanswered };
  }

  /** Moves the counter past a ballot another proposer holds, so the next attempt outranks it. */
  private conflict(promised: Ballot): void {
    this.stats.conflicts++;
    this.counter = Math.max(this.counter, promised.counter);
  }

  private backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(this.options.backoffMaxMilliseconds ?? backoffMaxDefault, 2 ** attempt);
    return this.options.sleep(this.options.random() * ceiling);
  }
}

/**
 * Waits until `quorum` replies satisfy `good`, or until every request has settled; the
 * replies in request order, undefined for a request that failed or is still outstanding
 * when the quorum was reached.
 */
function quorumOf<T>(requests: readonly Promise<T>[], quorum: number, good: (reply: T) => boolean): Promise<(T | undefined)[]> {
  return new Promise((resolve) => {
    const replies: (T | undefined)[] = requests.map(() => undefined);
    let settled = 0;
    let goods = 0;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve([...replies]);
      }
    };
    requests.forEach((request, index) => {
      request.then(
        (reply) => {
          replies[index] = reply;
          if (good(reply)) goods++;
          settled++;
          if (goods >= quorum || settled === requests.length) finish();
        },
        () => {
          settled++;
          if (settled === requests.length) finish();
        },
      );
    });
    if (requests.length === 0) finish();
  });
}

/** The first reply that `quorum` replies agree with (the same accepted ballot), with those replies; undefined once every reply is in without one. */
function agreeingQuorum<V>(requests: readonly Promise<ReadReply<V>>[], quorum: number): Promise<{ reply: ReadReply<V>; quorum: ReadReply<V>[] } | undefined> {
  return new Promise((resolve) => {
    const replies: ReadReply<V>[] = [];
    let settled = 0;
    const settle = () => {
      if (++settled === requests.length) resolve(undefined);
    };
    for (const request of requests) {
      request.then((reply) => {
        replies.push(reply);
        const agreeing = replies.filter((other) => compareBallots(other.accepted, reply.accepted) === 0);
        if (agreeing.length >= quorum) resolve({ reply, quorum: agreeing });
        settle();
      }, settle);
    }
    if (requests.length === 0) resolve(undefined);
  });
}

/** The longest wait for a lease that refusals named (0: none did). */
function longestLease(replies: readonly ({ ok: boolean; leasedMilliseconds?: number | undefined } | undefined)[]): number {
  let longest = 0;
  for (const reply of replies) if (reply !== undefined && !reply.ok) longest = Math.max(longest, reply.leasedMilliseconds ?? 0);
  return longest;
}

function highestRefusal(replies: readonly ({ ok: boolean; promised?: Ballot } | undefined)[]): Ballot {
  let highest = zeroBallot;
  for (const reply of replies) {
    if (reply !== undefined && !reply.ok && reply.promised !== undefined && compareBallots(reply.promised, highest) > 0) highest = reply.promised;
  }
  return highest;
}
