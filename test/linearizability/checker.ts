/**
 * A linearizability checker: given a history of operations (each with its input, its
 * output if known, and when it was called and when it returned) and a sequential model,
 * it decides whether some order of the operations, consistent with real time, explains
 * every output.
 *
 * The search is Wing & Gong's ("Testing and verifying concurrent objects", 1993) with
 * Lowe's memoization of (set of operations linearized, model state) ("Testing for
 * linearizability", 2017), in the form Porcupine uses (github.com/anishathalye/porcupine,
 * whose structure this follows: a doubly linked list of call and return entries, lifting a
 * linearized operation's pair out of it, backtracking at the first return whose call is
 * still in the list). A history is first split by key (`Model.partition`): linearizability
 * is local, so each key's sub-history is checked on its own, which keeps the search small.
 *
 * Operations whose outcome is unknown (a client timed out, or was told 40003) have no
 * output and no return: they return "at infinity", so they may be linearized anywhere
 * after their call, and placing one after every completed operation is the same as it
 * never taking effect.
 */

/** A sequential specification. Step must be deterministic: one next state per input. */
export interface Model<State, Input, Output> {
  init(): State;
  /** Whether `input` applied to `state` may give `output` (undefined: unknown, anything goes), and the state after. */
  step(state: State, input: Input, output: Output | undefined): { ok: boolean; next: State };
  /** A string that is equal for equal states (the memo key). */
  stateKey(state: State): string;
  /** Independent parts of the object (for a key-value store, the key). */
  partition(input: Input): string;
}

export interface Operation<Input, Output> {
  readonly input: Input;
  /** Undefined when the outcome is unknown. */
  readonly output: Output | undefined;
  readonly call: number;
  /** Undefined when the outcome is unknown (the operation may still be in flight). */
  readonly return: number | undefined;
}

export type CheckResult<Input, Output> =
  | { readonly result: 'ok' }
  /** No order explains the operations of this partition. */
  | { readonly result: 'illegal'; readonly partition: string; readonly operations: readonly Operation<Input, Output>[] }
  /** The search of this partition went past its step budget. */
  | { readonly result: 'unknown'; readonly partition: string };

export interface CheckOptions {
  /** Search steps per partition before giving up with 'unknown'. */
  readonly stepsMax?: number;
}

const stepsMaxDefault = 10_000_000;

/** Checks a whole history, partition by partition; the first partition that fails decides. */
export function checkLinearizable<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly Operation<Input, Output>[],
  options: CheckOptions = {},
): CheckResult<Input, Output> {
  const partitions = new Map<string, Operation<Input, Output>[]>();
  for (const operation of history) {
    const key = model.partition(operation.input);
    const list = partitions.get(key);
    if (list === undefined) partitions.set(key, [operation]);
    else list.push(operation);
  }
  let unknown: CheckResult<Input, Output> | undefined;
  for (const [partition, operations] of partitions) {
    const verdict = checkPartition(model, operations, options.stepsMax ?? stepsMaxDefault);
    if (verdict === 'illegal') return { result: 'illegal', partition, operations };
    if (verdict === 'unknown') unknown ??= { result: 'unknown', partition };
  }
  return unknown ?? { result: 'ok' };
}

/** One call or return event in the list the search walks; a call's `match` is its return. */
interface Entry {
  readonly id: number;
  readonly isCall: boolean;
  readonly time: number;
  match: Entry | undefined;
  previous: Entry | undefined;
  next: Entry | undefined;
}

function checkPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  stepsMax: number,
): 'ok' | 'illegal' | 'unknown' {
  const head = entryList(operations);
  const linearized = new Bitset(operations.length);
  const seen = new Set<string>();
  const stack: { entry: Entry; state: State }[] = [];
  let state = model.init();
  let entry = head.next;
  for (let steps = 0; head.next !== undefined; steps++) {
    if (steps >= stepsMax) return 'unknown';
    if (entry === undefined) return 'illegal'; // unreachable: the list always ends with a return
    if (entry.isCall) {
      const operation = operations[entry.id]!;
      const { ok, next } = model.step(state, operation.input, operation.output);
      if (ok) {
        linearized.set(entry.id);
        const key = `${linearized.key()}|${model.stateKey(next)}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized.clear(entry.id);
      }
      entry = entry.next;
    } else {
      // A return whose call is still in the list: that operation should have taken effect by now.
      const top = stack.pop();
      if (top === undefined) return 'illegal';
      state = top.state;
      linearized.clear(top.entry.id);
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return 'ok';
}

/**
 * The history as a doubly linked list of call and return entries in time order, behind a
 * sentinel head. At equal times calls come first: operations that touch at an instant are
 * taken as concurrent, the weaker claim.
 */
function entryList<Input, Output>(operations: readonly Operation<Input, Output>[]): Entry {
  const entries: Entry[] = [];
  operations.forEach((operation, id) => {
    const call: Entry = { id, isCall: true, time: operation.call, match: undefined, previous: undefined, next: undefined };
    const returned: Entry = { id, isCall: false, time: operation.return ?? Number.POSITIVE_INFINITY, match: undefined, previous: undefined, next: undefined };
    call.match = returned;
    entries.push(call, returned);
  });
  entries.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.id - b.id);
  const head: Entry = { id: -1, isCall: false, time: Number.NEGATIVE_INFINITY, match: undefined, previous: undefined, next: undefined };
  let last = head;
  for (const entry of entries) {
    last.next = entry;
    entry.previous = last;
    last = entry;
  }
  return head;
}

/** Takes a call and its return out of the list. */
function lift(call: Entry): void {
  for (const entry of [call, call.match!]) {
    entry.previous!.next = entry.next;
    if (entry.next !== undefined) entry.next.previous = entry.previous;
  }
}

/** Puts back what lift took out, in the reverse order. */
function unlift(call: Entry): void {
  for (const entry of [call.match!, call]) {
    entry.previous!.next = entry;
    if (entry.next !== undefined) entry.next.previous = entry;
  }
}

/** The set of operations linearized so far, with a compact key for the memo. */
class Bitset {
  private readonly words: Uint32Array;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32) || 1);
  }

  set(index: number): void {
    this.words[index >>> 5]! |= 1 << (index & 31);
  }

  clear(index: number): void {
    this.words[index >>> 5]! &= ~(1 << (index & 31));
  }

  key(): string {
    return Array.from(this.words, (word) => word.toString(36)).join('.');
  }
}
