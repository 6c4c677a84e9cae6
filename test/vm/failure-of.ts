import { VmFailure } from '../../vm/failures.js';

export const int8Max = 2n ** 63n - 1n;
export const int8Min = -(2n ** 63n);

/** Runs the call and returns the VmFailure it throws, failing if it throws nothing or something else. */
export function failureOf(call: () => unknown): VmFailure {
  try {
    call();
  } catch (error) {
    if (error instanceof VmFailure) return error;
    throw error;
  }
  throw new Error('expected a VmFailure, but the call returned');
}
