import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable } from './checker.js';
import { registerModel, type RegisterInput, type RegisterOperation, type RegisterOutput, type RegisterValue } from './register-model.js';

const read = (key: string, value: RegisterValue, call: number, ret: number | undefined): RegisterOperation => ({
  input: { kind: 'read', key },
  output: ret === undefined ? undefined : { kind: 'read', value },
  call,
  return: ret,
});
const write = (key: string, value: RegisterValue, call: number, ret: number | undefined): RegisterOperation => ({
  input: { kind: 'write', key, value },
  output: ret === undefined ? undefined : { kind: 'write' },
  call,
  return: ret,
});
const cas = (key: string, expected: RegisterValue, next: RegisterValue, applied: boolean | undefined, call: number, ret: number | undefined, current?: RegisterValue): RegisterOperation => ({
  input: { kind: 'cas', key, expected, next },
  output: applied === undefined ? undefined : current === undefined ? { kind: 'cas', applied } : { kind: 'cas', applied, current },
  call,
  return: ret,
});

const verdict = (history: RegisterOperation[]) => checkLinearizable(registerModel, history).result;

describe('linearizability checker on registers', () => {
  it('accepts a sequential history and refuses a stale read after a completed write', () => {
    expect(verdict([write('x', 'a', 0, 1), read('x', 'a', 2, 3), write('x', 'b', 4, 5), read('x', 'b', 6, 7)])).toBe('ok');
    expect(verdict([write('x', 'a', 0, 1), write('x', 'b', 2, 3), read('x', 'a', 4, 5)])).toBe('illegal');
    expect(verdict([read('x', 'a', 0, 1)])).toBe('illegal'); // nothing was ever written
  });

  it('lets concurrent operations take effect in either order, but not both orders at once', () => {
    // The read overlaps the write: it may see the old or the new value.
    expect(verdict([write('x', 'a', 0, 1), write('x', 'b', 2, 6), read('x', 'a', 3, 4)])).toBe('ok');
    expect(verdict([write('x', 'a', 0, 1), write('x', 'b', 2, 6), read('x', 'b', 3, 4)])).toBe('ok');
    // Two sequential reads during one write: once the new value was seen, the old one cannot come back.
    expect(verdict([write('x', 'a', 0, 1), write('x', 'b', 2, 9), read('x', 'b', 3, 4), read('x', 'a', 5, 6)])).toBe('illegal');
  });

  it('checks COMPARE&SWAP: one of two racers from the same value wins, and a loser reports what it found', () => {
    const racers = [write('x', '0', 0, 1), cas('x', '0', '1', true, 2, 5), cas('x', '0', '2', false, 3, 6, '1')];
    expect(verdict(racers)).toBe('ok');
    expect(verdict([write('x', '0', 0, 1), cas('x', '0', '1', true, 2, 5), cas('x', '0', '2', true, 3, 6)])).toBe('illegal');
    expect(verdict([write('x', '0', 0, 1), cas('x', '0', '1', true, 2, 5), cas('x', '0', '2', false, 3, 6, '7')])).toBe('illegal');
    // A CAS from absent creates; to null deletes.
    expect(verdict([cas('x', null, 'a', true, 0, 1), cas('x', 'a', null, true, 2, 3), read('x', null, 4, 5)])).toBe('ok');
  });

  it('lets an operation of unknown outcome take effect at any time after its call, or never', () => {
    expect(verdict([write('x', 'a', 0, 1), write('x', 'b', 2, undefined), read('x', 'a', 3, 4), read('x', 'b', 5, 6)])).toBe('ok');
    expect(verdict([write('x', 'a', 0, 1), write('x', 'b', 2, undefined), read('x', 'a', 3, 4), read('x', 'a', 5, 6)])).toBe('ok');
    // Seen, then gone: an unknown write still takes effect at most once.
    expect(verdict([write('x', 'a', 0, 1), write('x', 'b', 2, undefined), read('x', 'b', 3, 4), read('x', 'a', 5, 6)])).toBe('illegal');
    // It cannot take effect before it was called.
    expect(verdict([write('x', 'a', 0, 1), read('x', 'b', 2, 3), write('x', 'b', 4, undefined)])).toBe('illegal');
    expect(verdict([cas('x', null, 'a', undefined, 0, undefined), read('x', 'a', 1, 2)])).toBe('ok');
  });

  it('checks keys independently and names the key that fails', () => {
    const history = [write('x', 'a', 0, 1), write('y', 'b', 0, 1), read('x', 'a', 2, 3), read('y', 'a', 2, 3)];
    const result = checkLinearizable(registerModel, history);
    expect(result.result).toBe('illegal');
    expect(result.result === 'illegal' && result.partition).toBe('y');
  });

  it('gives up with unknown past its step budget instead of searching forever', () => {
    const history = Array.from({ length: 12 }, (_, index) => write('x', `v${index}`, 0, 100)).concat([read('x', 'nothing', 101, 102)]);
    expect(checkLinearizable(registerModel, history, { stepsMax: 50 }).result).toBe('unknown');
    expect(checkLinearizable(registerModel, history).result).toBe('illegal');
  });

  it('agrees with a brute-force search over every order on small random histories', () => {
    fc.assert(
      fc.property(smallHistory, (history) => {
        expect(verdict(history)).toBe(bruteForce(history) ? 'ok' : 'illegal');
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts long histories recorded from a real register with random timing, and catches one wrong answer in them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const history = recordedHistory(seed, 300, 3);
        expect(verdict(history)).toBe('ok');
        const index = history.findIndex((operation) => operation.input.kind === 'read' && operation.output !== undefined);
        if (index < 0) return;
        const corrupted = [...history];
        corrupted[index] = { ...history[index]!, output: { kind: 'read', value: 'never written' } };
        expect(verdict(corrupted)).toBe('illegal');
      }),
      { numRuns: 40 },
    );
  });
});

// --- an independent oracle --------------------------------------------------------

const value = fc.constantFrom<RegisterValue>(null, 'a', 'b');
const input: fc.Arbitrary<RegisterInput> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), key: fc.constantFrom('x', 'y') }),
  fc.record({ kind: fc.constant('write' as const), key: fc.constantFrom('x', 'y'), value }),
  fc.record({ kind: fc.constant('cas' as const), key: fc.constantFrom('x', 'y'), expected: value, next: value }),
);
const output = (given: RegisterInput): fc.Arbitrary<RegisterOutput | undefined> => {
  const unknown = fc.constant(undefined);
  if (given.kind === 'read') return fc.oneof(unknown, value.map((seen) => ({ kind: 'read' as const, value: seen })));
  if (given.kind === 'write') return fc.oneof(unknown, fc.constant({ kind: 'write' as const }));
  return fc.oneof(unknown, fc.record({ kind: fc.constant('cas' as const), applied: fc.boolean(), current: value }));
};
const smallHistory: fc.Arbitrary<RegisterOperation[]> = fc.array(
  input.chain((given) =>
    fc.tuple(output(given), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 6 })).map(([result, call, length]) => ({
      input: given,
      output: result,
      call,
      return: result === undefined ? undefined : call + length,
    })),
  ),
  { maxLength: 6 },
);

/** Whether some order of all operations that respects real time explains every known output. */
function bruteForce(history: readonly RegisterOperation[]): boolean {
  const precedes = (a: RegisterOperation, b: RegisterOperation) => a.return !== undefined && a.return < b.call;
  const search = (remaining: readonly RegisterOperation[], state: Map<string, RegisterValue>): boolean => {
    if (remaining.length === 0) return true;
    return remaining.some((operation, index) => {
      const others = remaining.filter((_, at) => at !== index);
      if (others.some((other) => precedes(other, operation))) return false;
      const { ok, next } = registerModel.step(state.get(operation.input.key) ?? null, operation.input, operation.output);
      return ok && search(others, new Map(state).set(operation.input.key, next));
    });
  };
  return search(history, new Map());
}

/**
 * A history as clients would record it from a real register: each operation takes effect
 * at an instant inside its interval, in the order of those instants; some outcomes are
 * lost (unknown), as when a client times out.
 */
function recordedHistory(seed: number, count: number, keys: number): RegisterOperation[] {
  let random = seed;
  const next = () => {
    random = (random * 48271) % 2147483647;
    return random / 2147483647;
  };
  const state = new Map<string, RegisterValue>();
  const events = Array.from({ length: count }, (_, index) => {
    const call = next() * count;
    return { index, call, effect: call + next() * 5, ret: 0 };
  }).sort((a, b) => a.effect - b.effect);
  const operations: RegisterOperation[] = [];
  for (const event of events) {
    const key = `k${Math.floor(next() * keys)}`;
    const current = state.get(key) ?? null;
    const roll = next();
    const returned = event.effect + next() * 5;
    const lost = next() < 0.05;
    let given: RegisterInput;
    let result: RegisterOutput;
    if (roll < 0.4) {
      given = { kind: 'read', key };
      result = { kind: 'read', value: current };
    } else if (roll < 0.7) {
      given = { kind: 'write', key, value: `w${event.index}` };
      result = { kind: 'write' };
      state.set(key, given.value);
    } else {
      const expected = next() < 0.5 ? current : `w${Math.floor(next() * count)}`;
      given = { kind: 'cas', key, expected, next: `c${event.index}` };
      const applied = current === expected;
      result = applied ? { kind: 'cas', applied } : { kind: 'cas', applied, current };
      if (applied) state.set(key, given.next);
    }
    operations.push({ input: given, output: lost ? undefined : result, call: event.call, return: lost ? undefined : returned });
  }
  return operations;
}
