/**
 * Writing small programs as literals in tests: `op('i32.const', 1)`, and
 * `program([...code], { locals, constants, paramCount })` which appends the
 * closing `end`.
 */
import type { InstructionName, ValueType } from '../../vm/isa.js';
import type { Constant, Immediate, Instruction, Program } from '../../vm/program.js';

export const emptyBlockType = 0x40;

export function op(name: InstructionName, ...immediates: Immediate[]): Instruction {
  return { op: name, immediates };
}

export function program(
  code: Instruction[],
  options: { locals?: ValueType[]; constants?: Constant[]; paramCount?: number; comments?: Record<number, string> } = {},
): Program {
  return {
    paramCount: options.paramCount ?? 0,
    locals: options.locals ?? [],
    constants: options.constants ?? [],
    code: [...code, op('end')],
    comments: options.comments ?? {},
  };
}
