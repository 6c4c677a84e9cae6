/**
 * The sequential model of dmachine's words for the linearizability checker: a map of
 * independent registers (one per key), each holding a value or nothing (null), with the
 * memory's operations on one word — LOAD, WRITE (a null value deletes) and
 * COMPARE&SWAP, which on failure reports the value it found.
 */
import type { Model, Operation } from './checker.js';

export type RegisterValue = string | null;

export type RegisterInput =
  | { readonly kind: 'read'; readonly key: string }
  | { readonly kind: 'write'; readonly key: string; readonly value: RegisterValue }
  | { readonly kind: 'cas'; readonly key: string; readonly expected: RegisterValue; readonly next: RegisterValue };

export type RegisterOutput =
  | { readonly kind: 'read'; readonly value: RegisterValue }
  | { readonly kind: 'write' }
  /** `current` is what a failed COMPARE&SWAP found; left out when the client did not learn it. */
  | { readonly kind: 'cas'; readonly applied: boolean; readonly current?: RegisterValue };

export type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

export const registerModel: Model<RegisterValue, RegisterInput, RegisterOutput> = {
  init: () => null,
  partition: (input) => input.key,
  stateKey: (state) => (state === null ? '-' : `=${state}`),
  step(state, input, output) {
    switch (input.kind) {
      case 'read':
        return { ok: output === undefined || (output.kind === 'read' && output.value === state), next: state };
      case 'write':
        return { ok: output === undefined || output.kind === 'write', next: input.value };
      case 'cas': {
        const applies = state === input.expected;
        const next = applies ? input.next : state;
        if (output === undefined) return { ok: true, next };
        if (output.kind !== 'cas' || output.applied !== applies) return { ok: false, next };
        const reportedCurrent = output.applied || output.current === undefined || output.current === state;
        return { ok: reportedCurrent, next };
      }
    }
  },
};
