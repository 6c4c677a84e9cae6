/**
 * Which engine runs a program. The compiled tier is the default: it has the
 * interpreter's exact behaviour (held to it by differential tests and the spec
 * scripts) and runs CPU-bound code 5-60x faster. The interpreter remains the
 * reference, and runs programs too large for V8 to optimize as one function.
 */
import { compileProgram, type CompiledProgram } from './compiled-tier.js';
import { execute } from './interpreter.js';
import type { PreparedProgram } from './prepared-program.js';
import type { ExecutionContext, ExecutionResult } from './run-state.js';

export type EngineName = 'compiled' | 'interpreter';

/**
 * Past this many instructions V8 stops optimizing the generated function and
 * BigInt-heavy code then runs slower than the interpreter (measured at ~8000).
 */
export const compiledInstructionsMax = 4000;

export interface ProgramRunner {
  readonly engine: EngineName;
  run(context: ExecutionContext): Promise<ExecutionResult>;
}

/** A runner for a prepared program: compiled unless the interpreter is asked for or the program is too large. */
export function programRunner(prepared: PreparedProgram, engine: EngineName = 'compiled'): ProgramRunner {
  if (engine === 'compiled' && prepared.ops.length <= compiledInstructionsMax) {
    const compiled: CompiledProgram = compileProgram(prepared);
    return { engine: 'compiled', run: (context) => compiled.run(context) };
  }
  return { engine: 'interpreter', run: (context) => execute(prepared, context) };
}
