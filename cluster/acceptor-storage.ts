/**
 * A storage node's acceptor states, one per word, in the node's rnd store under the word's
 * own address: the store's group commit makes each save durable before it resolves, and
 * its cache keeps hot words in memory. A state is MessagePack of
 * { p: promised, a: accepted, v: value | nil, b: [the last accepted ballot of each recent proposer] },
 * ballots as [counter, proposer].
 */
import { decode, encode } from '@msgpack/msgpack';
import { wordBytesMax } from '../common/limits.js';
import { SqlError, SqlState } from '../common/sql-error.js';
import type { WordAddress } from '../store/key.js';
import type { RndStore } from '../store/rnd-store.js';
import { acceptedByMax, type AcceptorState, type AcceptorStorage } from './caspaxos/acceptor.js';
import type { Ballot } from './caspaxos/ballot.js';

/** Ballots and framing around a word's value: a proposer id is at most 64 bytes, and acceptedByMax + 2 ballots are kept. */
export const acceptorStateOverheadBytes = (acceptedByMax + 2) * 96 + 64;
/** What the node's rnd store must accept as one value. */
export const acceptorStateBytesMax = wordBytesMax + acceptorStateOverheadBytes;

export class RndAcceptorStorage implements AcceptorStorage<Buffer, WordAddress> {
  constructor(private readonly store: RndStore) {}

  async load(address: WordAddress): Promise<AcceptorState<Buffer> | undefined> {
    const word = this.store.load(address);
    return word === undefined ? undefined : decodeState(word.value, address);
  }

  save(address: WordAddress, state: AcceptorState<Buffer>): Promise<void> {
    return this.store.write(address, encodeState(state));
  }
}

export function encodeState(state: AcceptorState<Buffer>): Uint8Array {
  return encode({ p: wire(state.promised), a: wire(state.accepted), v: state.value, b: state.acceptedBy.map(wire) });
}

export function decodeState(bytes: Uint8Array, address: WordAddress): AcceptorState<Buffer> {
  const corrupted = () => new SqlError(SqlState.dataCorrupted, `acceptor state of ${address.account}/${address.resource}/${address.primaryKey} is malformed`);
  let decoded: unknown;
  try {
    decoded = decode(bytes);
  } catch {
    throw corrupted();
  }
  const { p, a, v, b } = (decoded ?? {}) as Record<string, unknown>;
  if ((v !== null && !(v instanceof Uint8Array)) || !Array.isArray(b)) throw corrupted();
  const ballot = (input: unknown): Ballot => {
    if (!Array.isArray(input) || typeof input[0] !== 'number' || typeof input[1] !== 'string') throw corrupted();
    return { counter: input[0], proposer: input[1] };
  };
  return { promised: ballot(p), accepted: ballot(a), value: v === null ? null : Buffer.from(v), acceptedBy: b.map(ballot) };
}

function wire(ballot: Ballot): [number, string] {
  return [ballot.counter, ballot.proposer];
}
