/**
 * A validated program laid out for the interpreter: opcodes and small immediates
 * in typed arrays, big or typed constants resolved once, and every branch
 * resolved to an absolute target with the operand-stack height to return to.
 * Structured control flow is static, so none of this is done while running.
 */
import { assert } from '../common/sql-error.js';
import { instructionByName, valueTypeCodes, type InstructionInfo } from './isa.js';
import type { Program } from './program.js';
import { validate } from './validator.js';

export interface PreparedProgram {
  readonly program: Program;
  readonly ops: Uint8Array;
  /** First immediate when it is a small integer; for branches and if/else, the resolved target address. */
  readonly first: Int32Array;
  /** Second immediate when it is a small integer; for branches, the arity carried. */
  readonly second: Int32Array;
  /** For branches: the stack height of the target label's base. */
  readonly branchHeight: Int32Array;
  /** Per-instruction resolved values: i64/f64 constants, pool entries, resource names, all immediates of one with more than two. */
  readonly values: readonly unknown[];
  readonly maxStackHeight: number;
}

interface OpenBlock {
  readonly address: number;
  readonly kind: 'block' | 'loop' | 'if' | 'body';
  readonly baseHeight: number;
  readonly arity: number;
  readonly end: number;
}

/** Validates (throwing ValidationError) and prepares a program for running. */
export function prepareProgram(program: Program): PreparedProgram {
  const { maxStackHeight, blockEnds, elseOf } = validate(program);
  const count = program.code.length;
  const prepared = {
    program,
    ops: new Uint8Array(count),
    first: new Int32Array(count),
    second: new Int32Array(count),
    branchHeight: new Int32Array(count),
    values: new Array<unknown>(count).fill(undefined),
    maxStackHeight,
  };
  const blocks: OpenBlock[] = [{ address: -1, kind: 'body', baseHeight: 0, arity: 0, end: count - 1 }];
  let height = 0;
  program.code.forEach((instruction, address) => {
    const info = instructionByName.get(instruction.op)!;
    prepared.ops[address] = info.code;
    layOutImmediates(prepared, program, address, info);
    height = resolveControl(prepared, blocks, { address, info, height, blockEnds, elseOf });
  });
  return prepared;
}

function layOutImmediates(prepared: { first: Int32Array; second: Int32Array; values: unknown[] }, program: Program, address: number, info: InstructionInfo): void {
  const immediates = program.code[address]!.immediates;
  info.immediates.forEach((kind, index) => {
    const immediate = immediates[index]!;
    if (kind === 's64' || kind === 'f64') prepared.values[address] = immediate;
    else if (index === 0) prepared.first[address] = Number(immediate);
    else prepared.second[address] = Number(immediate);
    if (kind === 'constant' && index === 0) prepared.values[address] = program.constants[Number(immediate)]!.value;
  });
  // Only the first two fit the typed arrays: an instruction with more (rowset.new) finds them all together here.
  if (info.immediates.length > 2) prepared.values[address] = Object.freeze(immediates.map(Number));
}

interface ControlStep {
  readonly address: number;
  readonly info: InstructionInfo;
  readonly height: number;
  readonly blockEnds: Int32Array;
  readonly elseOf: Int32Array;
}

/**
 * Tracks the static operand-stack height and the open blocks, resolving branch
 * targets. Returns the height after the instruction. After an unconditional
 * transfer the rest of the block is dead; its heights do not matter and `end`
 * (or `else`) restores the block's own.
 */
function resolveControl(
  prepared: { first: Int32Array; second: Int32Array; branchHeight: Int32Array },
  blocks: OpenBlock[],
  step: ControlStep,
): number {
  const { address, info, height, blockEnds, elseOf } = step;
  switch (info.name) {
    case 'block':
    case 'loop':
    case 'if': {
      const baseHeight = info.name === 'if' ? height - 1 : height;
      const arity = blockArity(prepared.first[address]!);
      const end = blockEnds[address]!;
      blocks.push({ address, kind: info.name, baseHeight, arity, end });
      // An if whose condition is false goes to just after its else, or to its end.
      if (info.name === 'if') prepared.first[address] = elseOf[address]! >= 0 ? elseOf[address]! + 1 : end;
      return baseHeight;
    }
    case 'else': {
      const block = blocks.at(-1)!;
      prepared.first[address] = block.end;
      return block.baseHeight;
    }
    case 'end': {
      const block = blocks.pop()!;
      return block.baseHeight + block.arity;
    }
    case 'br':
    case 'br_if': {
      const target = blocks[blocks.length - 1 - prepared.first[address]!];
      assert(target, 'validated branches have targets');
      const isLoop = target.kind === 'loop';
      prepared.first[address] = isLoop ? target.address + 1 : target.end;
      prepared.second[address] = isLoop ? 0 : target.arity;
      prepared.branchHeight[address] = target.baseHeight;
      return info.name === 'br_if' ? height - 1 : height;
    }
    default:
      return height + stackDelta(info);
  }
}

function blockArity(blockTypeCode: number): number {
  return Object.values(valueTypeCodes).includes(blockTypeCode) ? 1 : 0;
}

function stackDelta(info: InstructionInfo): number {
  switch (info.effect.kind) {
    case 'fixed':
      return info.effect.pushes.length - info.effect.pops.length;
    case 'local':
      return info.name === 'local.get' ? 1 : info.name === 'local.set' ? -1 : 0;
    case 'constant':
      return 1;
    case 'select':
      return -2;
    case 'drop':
      return -1;
    case 'control':
      return 0; // return, unreachable, error.raise: nothing after them runs
  }
}
