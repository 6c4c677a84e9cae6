/**
 * The CASPaxos acceptor's rules and the proposer's answers when an accept's outcome is
 * unknown, each driven by hand (the simulator, test/sim, drives them at random).
 */
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { Acceptor, type AcceptorState, type AcceptReply, type PrepareReply } from '../../cluster/caspaxos/acceptor.js';
import type { Ballot } from '../../cluster/caspaxos/ballot.js';
import { Proposer, type ProposerOptions, type ReplicaClient } from '../../cluster/caspaxos/proposer.js';

const ballot = (counter: number, proposer = 'p'): Ballot => ({ counter, proposer });

/** Storage whose saves resolve only when the test says so, to see what waits for durability. */
function manualStorage() {
  const durable = new Map<string, AcceptorState<string>>();
  const pending: (() => void)[] = [];
  return {
    durable,
    flush: () => pending.splice(0).forEach((complete) => complete()),
    storage: {
      load: async (key: string) => durable.get(key),
      save: (key: string, state: AcceptorState<string>) =>
        new Promise<void>((resolve) =>
          pending.push(() => {
            durable.set(key, state);
            resolve();
          }),
        ),
    },
  };
}

describe('CASPaxos acceptor', () => {
  it('promises and accepts ballots from the highest seen on, refuses lower ones naming the higher, answers an equal one again', async () => {
    const { storage, flush } = manualStorage();
    const acceptor = new Acceptor<string>(storage);
    const answer = <T>(promise: Promise<T>) => {
      setImmediate(flush);
      return promise;
    };
    expect(await answer(acceptor.prepare('k', ballot(2)))).toEqual({ ok: true, accepted: ballot(0, ''), value: null });
    expect(await answer(acceptor.prepare('k', ballot(1)))).toEqual({ ok: false, promised: ballot(2) });
    expect(await answer(acceptor.accept('k', ballot(1), 'old'))).toEqual({ ok: false, promised: ballot(2), acceptedHere: 'no' });
    expect(await answer(acceptor.accept('k', ballot(2), 'v'))).toEqual({ ok: true });
    expect(await answer(acceptor.accept('k', ballot(2), 'v'))).toEqual({ ok: true }); // a duplicated message
    expect(await answer(acceptor.prepare('k', ballot(3, 'q')))).toEqual({ ok: true, accepted: ballot(2), value: 'v' });
    // A copy of an accept it took, arriving after a higher promise: refused, but it says the ballot was accepted.
    expect(await answer(acceptor.accept('k', ballot(2), 'v'))).toEqual({ ok: false, promised: ballot(3, 'q'), acceptedHere: 'yes' });
    // Ties on the counter are broken by the proposer id.
    expect(await answer(acceptor.prepare('k', ballot(3, 'a')))).toEqual({ ok: false, promised: ballot(3, 'q') });
    expect(await answer(acceptor.prepare('other', ballot(1)))).toMatchObject({ ok: true }); // words are independent
  });

  it('tells, when it refuses an accept, whether it ever accepted that ballot', async () => {
    const acceptor = new Acceptor<string>({ load: async () => state, save: async (_key, next) => void (state = next) });
    let state: AcceptorState<string> | undefined;
    await acceptor.accept('k', ballot(1, 'p'), 'p1');
    await acceptor.accept('k', ballot(5, 'q'), 'q5');
    expect(await acceptor.accept('k', ballot(2, 'p'), 'p2')).toEqual({ ok: false, promised: ballot(5, 'q'), acceptedHere: 'no' });
    expect(await acceptor.accept('k', ballot(1, 'p'), 'p1')).toEqual({ ok: false, promised: ballot(5, 'q'), acceptedHere: 'yes' });
    expect(await acceptor.accept('k', ballot(3, 'r'), 'r3')).toEqual({ ok: false, promised: ballot(5, 'q'), acceptedHere: 'unknown' });
    expect(await acceptor.accept('k', ballot(0, 'p'), 'p0')).toEqual({ ok: false, promised: ballot(5, 'q'), acceptedHere: 'unknown' });
    expect(state?.acceptedBy).toEqual([ballot(1, 'p'), ballot(5, 'q')]);
  });

  it('replies only once its new state is durable', async () => {
    const { storage, flush, durable } = manualStorage();
    const acceptor = new Acceptor<string>(storage);
    let replied = false;
    const reply = acceptor.accept('k', ballot(1), 'v').then((result) => ((replied = true), result));
    await new Promise((resolve) => setImmediate(resolve));
    expect(replied).toBe(false);
    expect(durable.has('k')).toBe(false);
    flush();
    expect(await reply).toEqual({ ok: true });
    expect(durable.get('k')).toEqual({ promised: ballot(1), accepted: ballot(1), value: 'v', acceptedBy: [ballot(1)] });
  });
});

/** Three acceptors behind a client that can lose the replies of the next accepts (the accepts themselves apply). */
function cluster() {
  const acceptors = new Map(
    ['a', 'b', 'c'].map((node) => {
      const states = new Map<string, AcceptorState<string>>();
      return [node, new Acceptor<string>({ load: async (key) => states.get(key), save: async (key, state) => void states.set(key, state) })];
    }),
  );
  let acceptRepliesToLose = 0;
  const client: ReplicaClient<string> = {
    read: (node, key) => acceptors.get(node)!.read(key),
    prepare: (node, key, b): Promise<PrepareReply<string>> => acceptors.get(node)!.prepare(key, b),
    accept: async (node, key, b, value, promiseNext): Promise<AcceptReply> => {
      const reply = await acceptors.get(node)!.accept(key, b, value, promiseNext);
      if (acceptRepliesToLose > 0) {
        acceptRepliesToLose--;
        throw new Error('reply lost');
      }
      return reply;
    },
  };
  const proposer = (id: string, sleep: () => Promise<void> = async () => {}, options: Partial<ProposerOptions<string>> = {}) =>
    new Proposer<string>({ id, replicas: () => ['a', 'b', 'c'], client, sleep, random: () => 0.5, ...options });
  return { proposer, loseAcceptReplies: (count: number) => (acceptRepliesToLose = count) };
}

const write = (value: string) => () => ({ next: value, result: 'written' });
const read = () => (current: string | null) => ({ next: current, result: current });

describe('CASPaxos proposer', () => {
  it('writes and reads through a majority, and a failed compare reports the value it found', async () => {
    const { proposer } = cluster();
    const p = proposer('p');
    expect(await p.change('k', write('v1'))).toBe('written');
    expect(await proposer('q').change('k', read())).toBe('v1');
    const cas = (expected: string, next: string) => (current: string | null) =>
      current === expected ? { next, result: 'applied' } : { next: current, result: `found ${current}` };
    expect(await p.change('k', cas('v0', 'v2'))).toBe('found v1');
    expect(await p.change('k', cas('v1', 'v2'))).toBe('applied');
  });

  it('changes a word it changed last with one round trip: the accept, under the ballot promised with the last one', async () => {
    const { proposer } = cluster();
    const p = proposer('p');
    await p.change('k', write('a'));
    expect(p.stats.roundTrips).toBe(2);
    await p.change('k', write('b'));
    expect(await p.change('k', read())).toBe('b');
    expect(p.stats).toMatchObject({ roundTrips: 4, fastChanges: 2, fastFallbacks: 0 });
  });

  it('falls back to both phases when another proposer changed the word in between', async () => {
    const { proposer } = cluster();
    const [p, q] = [proposer('p'), proposer('q')];
    await p.change('k', write('p1'));
    await q.change('k', write('q1')); // q's prepare outranks the ballot p's replicas promised it
    const cas = (current: string | null) => ({ next: `${current}+p`, result: current });
    expect(await p.change('k', cas)).toBe('q1'); // p's fast accept is refused; it prepares and sees q's value
    expect(p.stats).toMatchObject({ fastChanges: 1, fastFallbacks: 1 });
    expect(await q.change('k', read())).toBe('q1+p');
  });

  it('runs every change with two round trips when the fast path is off', async () => {
    const { proposer } = cluster();
    const p = proposer('p', undefined, { fastWordsMax: 0 });
    await p.change('k', write('a'));
    await p.change('k', write('b'));
    expect(p.stats).toMatchObject({ roundTrips: 4, fastChanges: 0 });
  });

  it('finishes a write whose acceptances it did not hear when its own value is still the newest', async () => {
    const { proposer, loseAcceptReplies } = cluster();
    loseAcceptReplies(3); // all three accepted; the proposer hears none of it
    const p = proposer('p');
    expect(await p.change('k', write('mine'))).toBe('written');
    expect(p.stats.roundTrips).toBe(4); // then a prepare that finds its own ballot newest, and an accept
    expect(await proposer('q').change('k', read())).toBe('mine');
  });

  it('fails with 40003 when a later ballot was accepted over its unconfirmed write', async () => {
    const { proposer, loseAcceptReplies } = cluster();
    const q = proposer('q');
    let intervened = false;
    // p's first backoff is where it starts settling its unconfirmed write: q writes just then.
    const p = proposer('p', async () => {
      if (intervened) return;
      intervened = true;
      expect(await q.change('k', write('theirs'))).toBe('written');
    });
    loseAcceptReplies(3);
    const failure = await p.change('k', write('mine')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SqlError);
    expect((failure as SqlError).sqlstate).toBe('40003');
    expect((failure as SqlError).message).toMatch(/may or may not have taken effect/);
    // q's write did build on p's (q's prepare saw it), but p cannot know that: 40003 says so, it does not guess.
    expect(await q.change('k', read())).toBe('theirs');
  });

  it('retries a read whose write-back went unheard instead of failing it', async () => {
    const { proposer, loseAcceptReplies } = cluster();
    const p = proposer('p');
    await p.change('k', write('v'));
    loseAcceptReplies(3);
    expect(await p.change('k', read())).toBe('v');
  });
});

/** Three acceptors with read leases on a clock the test moves; a node can be down or restarted (forgetting its leases). */
function leasedCluster(quarantine = true) {
  let now = 0;
  const leaseOptions = { now: () => now, millisecondsMax: 100, quarantine };
  const states = new Map(['a', 'b', 'c'].map((node) => [node, new Map<string, AcceptorState<string>>()]));
  const acceptorOn = (node: string) => new Acceptor<string>({ load: async (key) => states.get(node)!.get(key), save: async (key, state) => void states.get(node)!.set(key, state) }, String, leaseOptions);
  const acceptors = new Map(['a', 'b', 'c'].map((node) => [node, acceptorOn(node)]));
  const down = new Set<string>();
  const reach = (node: string) => {
    if (down.has(node)) throw new Error(`${node} is down`);
    return acceptors.get(node)!;
  };
  const client: ReplicaClient<string> = {
    read: async (node, key, lease) => reach(node).read(key, lease),
    prepare: async (node, key, b) => reach(node).prepare(key, b),
    accept: async (node, key, b, value, promiseNext) => reach(node).accept(key, b, value, promiseNext),
  };
  // Sleeping moves the clock: a proposer that waits for a lease lets it run out.
  const proposer = (id: string) =>
    new Proposer<string>({ id, replicas: () => ['a', 'b', 'c'], client, sleep: async (milliseconds) => void (now += milliseconds), random: () => 0.5, now: () => now, leaseMilliseconds: 100 });
  return {
    proposer,
    down,
    restart: (node: string) => acceptors.set(node, acceptorOn(node)),
    clock: { now: () => now, advance: (milliseconds: number) => (now += milliseconds) },
  };
}

describe('CASPaxos read leases', () => {
  it('answers leased reads from memory while the lease lasts; another proposer\'s write waits for it, the holder\'s own does not', async () => {
    const { proposer, clock } = leasedCluster();
    const [p, q] = [proposer('p'), proposer('q')];
    await p.change('k', write('v1'));
    clock.advance(200); // past the acceptors' quarantine after their start
    expect(await p.read('k', { lease: true })).toBe('v1');
    const trips = p.stats.roundTrips;
    expect(await p.read('k', { lease: true })).toBe('v1');
    expect(p.stats).toMatchObject({ roundTrips: trips, leasedReads: 1 });
    expect(await p.read('k')).toBe('v1'); // not asked for a lease: a round trip
    expect(p.stats.roundTrips).toBe(trips + 1);

    const before = clock.now();
    expect(await q.change('k', write('v2'))).toBe('written');
    expect(q.stats.leaseWaits).toBeGreaterThan(0);
    expect(clock.now() - before).toBeGreaterThanOrEqual(100); // it waited the lease out
    expect(await p.read('k', { lease: true })).toBe('v2'); // p's lease ran out with it

    const waits = p.stats.leaseWaits;
    clock.advance(300); // q holds no lease; p does after this read
    expect(await p.read('k', { lease: true })).toBe('v2');
    expect(await p.change('k', write('v3'))).toBe('written');
    expect(p.stats.leaseWaits).toBe(waits); // its own lease does not stop it
    expect(await p.read('k', { lease: true })).toBe('v3'); // and its own write dropped what it remembered
  });

  it('a restarted acceptor takes no write for a lease\'s length; without that wait a leased read goes stale (negative control)', async () => {
    for (const quarantine of [true, false]) {
      const { proposer, clock, down, restart } = leasedCluster(quarantine);
      const [p, q] = [proposer('p'), proposer('q')];
      await p.change('k', write('v1'));
      clock.advance(200);
      down.add('c'); // only a and b grant p's lease
      expect(await p.read('k', { lease: true })).toBe('v1');
      restart('a'); // a forgets it
      down.delete('c');
      down.add('b');
      expect(await q.change('k', write('v2'))).toBe('written'); // through a and c
      const seen = await p.read('k', { lease: true });
      if (quarantine) expect(seen).toBe('v2');
      else expect(seen).toBe('v1'); // stale: what the wait after a restart prevents
    }
  });
});
