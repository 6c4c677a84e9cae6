/**
 * One small valid program per opcode of the instruction table, which runs that
 * instruction once: the interpreter's and the compiled tier's tests run them all,
 * so an opcode without a handler (or a compiled rule) fails a test.
 */
import type { InstructionInfo, InstructionName, ValueType } from '../../vm/isa.js';
import type { Constant, Instruction, Program } from '../../vm/program.js';
import { emptyBlockType, op, program } from './program-literals.js';

/** The zero value an operand of `type` can start from, as code. */
function pushZero(type: ValueType): Instruction[] {
  switch (type) {
    case 'i32':
      return [op('i32.const', 0)];
    case 'i64':
      return [op('i64.const', 0n)];
    case 'f64':
      return [op('f64.const', 0)];
    case 'sql':
      return [op('sql.null')];
    case 'bytes':
      return [op('bytes.null')];
    case 'row':
      return [op('row.new', 1)];
    case 'ptr':
      return [op('const', 0), op('ptr.make', 1, 0)];
    case 'scan':
      return [op('i32.const', 1), op('mem.scan_resource', 1, 0)];
    case 'rowset':
      return [op('i64.const', -1n), op('rowset.new', 1, 0, 0)];
  }
}

const exerciseConstants: Constant[] = [
  { kind: 'sql', value: 'k' },
  { kind: 'name', value: 'resource' },
  { kind: 'name', value: '22000' },
  { kind: 'bytes', value: Uint8Array.of(1, 2, 3) },
];

const ruleExercises: Record<string, Instruction[]> = {
  unreachable: [op('unreachable')],
  block: [op('block', emptyBlockType), op('end')],
  loop: [op('loop', emptyBlockType), op('end')],
  if: [op('i32.const', 1), op('if', emptyBlockType), op('else'), op('end')],
  else: [op('i32.const', 0), op('if', emptyBlockType), op('else'), op('end')],
  end: [op('block', emptyBlockType), op('end')],
  br: [op('block', emptyBlockType), op('br', 0), op('end')],
  br_if: [op('block', emptyBlockType), op('i32.const', 1), op('br_if', 0), op('end')],
  return: [op('return')],
  drop: [op('i32.const', 1), op('drop')],
  select: [op('i32.const', 1), op('i32.const', 2), op('i32.const', 0), op('select'), op('drop')],
  'local.get': [op('local.get', 0), op('drop')],
  'local.set': [op('i32.const', 1), op('local.set', 0)],
  'local.tee': [op('i32.const', 1), op('local.tee', 0), op('drop')],
  const: [op('const', 0), op('drop')],
  'error.raise': [op('error.raise', 2, 1)],
};

/**
 * Instructions with a fixed stack effect whose zero operands would only trap (null is
 * no record, no row): their exercise gives them operands they work on.
 */
const operandExercises: Partial<Record<InstructionName, Instruction[]>> = {
  'lnr.append': [op('const', 3), op('lnr.append', 1), op('drop')],
  'lnr.read': [op('const', 3), op('lnr.append', 1), op('lnr.read', 1), op('drop')],
  'lnr.trim': [op('const', 3), op('lnr.append', 1), op('lnr.trim', 1), op('drop')],
  'row.decode_all': [op('row.new', 2), op('row.encode'), op('row.decode_all'), op('drop')],
  'row.get_at': [op('row.new', 2), op('i32.const', 1), op('row.get_at'), op('drop')],
};

export function exerciseProgram(info: InstructionInfo): Program {
  const byRule = ruleExercises[info.name];
  if (byRule) return program(byRule, { locals: ['i32'], constants: exerciseConstants });
  const byOperands = operandExercises[info.name as InstructionName];
  if (byOperands) return program(byOperands, { constants: exerciseConstants });
  if (info.effect.kind !== 'fixed') throw new Error(`${info.name} needs an entry in ruleExercises`);
  const immediates = info.immediates.map((kind) => (kind === 'sqlType' ? 0x05 : kind === 'constant' ? 1 : kind === 's64' ? 0n : 0));
  const code = [...info.effect.pops.flatMap(pushZero), op(info.name as InstructionName, ...immediates), ...info.effect.pushes.map(() => op('drop'))];
  return program(code, { constants: exerciseConstants, paramCount: info.name === 'param.get' ? 1 : 0 });
}

/** The parameters an exercise program takes. */
export function exerciseParams(info: InstructionInfo): null[] {
  return info.name === 'param.get' ? [null] : [];
}
