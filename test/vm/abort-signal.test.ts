/**
 * ExecutionContext.signal: CancelRequest and statement_timeout stop a running program
 * through it. Both engines check it where they charge fuel and fail the same way (57014).
 */
import { describe, expect, it } from 'vitest';
import type { Memory } from '../../store/memory.js';
import { programRunner, type EngineName } from '../../vm/engine.js';
import { VmFailure } from '../../vm/failures.js';
import { prepareProgram } from '../../vm/prepared-program.js';
import { atomicCounter } from './sample-programs.js';

/** A memory whose COMPARE&SWAP always loses, so atomicCounter retries forever; `onCas` sees each attempt. */
function contendedMemory(onCas: (attempt: number) => void): Memory {
  let attempts = 0;
  const unused = (): never => {
    throw new Error('not used by this program');
  };
  return {
    load: async () => undefined,
    cas: async () => {
      onCas(++attempts);
      return { applied: false, current: null };
    },
    write: unused,
    compare: unused,
    delete: unused,
    scan: unused,
    append: unused,
    readRecord: unused,
    dropRecordsBefore: unused,
    dropLog: unused,
    durable: async () => {},
    session: unused,
  };
}

async function failureOfRun(engine: EngineName, memory: Memory, signal: AbortSignal): Promise<VmFailure> {
  const runner = programRunner(prepareProgram(atomicCounter), engine);
  try {
    await runner.run({ memory, account: 'acme', params: [1n], signal });
  } catch (error) {
    if (error instanceof VmFailure) return error;
    throw error;
  }
  throw new Error('expected the run to fail');
}

describe.each<EngineName>(['interpreter', 'compiled'])('abort signal (%s)', (engine) => {
  it('stops a looping program once the signal is aborted during a memory operation', async () => {
    const controller = new AbortController();
    let seen = 0;
    const memory = contendedMemory((attempt) => {
      seen = attempt;
      if (attempt === 5) controller.abort();
    });
    const failure = await failureOfRun(engine, memory, controller.signal);
    expect(failure.sqlstate).toBe('57014');
    expect(failure.kind).toBe('trap');
    expect(failure.message).toBe('canceling statement due to user request');
    expect(seen).toBe(5);
  });

  it('uses the message of an Error given as the reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('canceling statement due to statement timeout'));
    const failure = await failureOfRun(engine, contendedMemory(() => {}), controller.signal);
    expect(failure.sqlstate).toBe('57014');
    expect(failure.message).toBe('canceling statement due to statement timeout');
    expect(failure.address).toBe(0);
  });

  it('runs to the end when the signal is never aborted', async () => {
    const controller = new AbortController();
    const runner = programRunner(prepareProgram(atomicCounter), engine);
    let stored: Buffer | null = null;
    const memory: Memory = {
      ...contendedMemory(() => {}),
      load: async () => (stored === null ? undefined : ({ value: stored } as never)),
      cas: async (_address, _expected, next) => {
        stored = next === null ? null : Buffer.from(next);
        return { applied: true };
      },
    };
    const result = await runner.run({ memory, account: 'acme', params: [1n], signal: controller.signal });
    expect(result.rowCount).toBe(1);
  });
});
