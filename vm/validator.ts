/**
 * The validator: a program is type-checked and its blocks matched before it
 * runs, so the interpreter never meets an ill-typed operand, a missing label or
 * an unbalanced block (DESIGN §4). It follows the WebAssembly spec's appendix
 * "Validation Algorithm" (STYLE 3): an operand stack and a control stack,
 * touched only through pushVal, popVal, pushVals, popVals, pushCtrl, popCtrl and
 * unreachable. Each opcode's rule is a few of those calls; instructions with a
 * fixed stack effect are checked straight from the instruction table.
 *
 * The first problem throws ValidationError(address, reason). A missing `end` is
 * reported at `code.length`, the address where the `end` should have been.
 *
 * The result doubles as the interpreter's jump tables: where every block, loop
 * and if ends, and where each if's else is.
 */
import { assert } from '../common/sql-error.js';
import { ValidationError } from './failures.js';
import { emptyBlockTypeCode, instructionByName, instructions, valueTypeCodes, valueTypes } from './isa.js';
import type { ImmediateKind, InstructionInfo, InstructionName, StackEffect, ValueType } from './isa.js';
import type { Constant, Immediate, Instruction, Program } from './program.js';
import { resourceTypeCodes } from './program.js';
import { isS32, isS64, isU32 } from './leb128.js';
import { sqlTypeByCode } from './sql-values.js';

/** Fields of a row at most: PostgreSQL's column limit (MaxHeapAttributeNumber). */
export const rowFieldsMax = 1600;

/** Key fields of an ordered rowset (rowset.new) at most: one bit of each mask per field. */
export const rowSetKeyFieldsMax = 32;

/** Flags of mem.scan_range: lower bound, lower inclusive, upper bound, upper inclusive, reverse. */
const scanRangeFlagsMax = 0b11111;

const sqlStatePattern = /^[0-9A-Z]{5}$/;

export interface ValidationResult {
  /** The deepest the operand stack gets: the interpreter sizes its stack with it. */
  readonly maxStackHeight: number;
  /** The deepest the control stack gets, counting the program body as one. */
  readonly maxControlDepth: number;
  /** For the address of every block, loop and if: the address of its matching `end`; -1 elsewhere. */
  readonly blockEnds: Int32Array;
  /** For the address of every if: the address of its `else`, or -1 when it has none; -1 elsewhere. */
  readonly elseOf: Int32Array;
}

/** An operand type, or `unknown` for a value popped from the polymorphic stack of dead code. */
type OperandType = ValueType | 'unknown';

/** What opened a control frame; `program` is the implicit outer block of the body. */
type FrameKind = 'program' | 'block' | 'loop' | 'if' | 'else';

interface ControlFrame {
  readonly kind: FrameKind;
  /** The address of the block, loop or if that opened the frame (an else frame keeps its if's); -1 for the body. */
  readonly opener: number;
  readonly resultTypes: readonly ValueType[];
  /** Operand-stack height when the frame was entered: the frame may not pop below it. */
  readonly height: number;
  /** How many locals had been set (inits) when the frame was entered: the frame's own sets are undone at its end. */
  readonly initHeight: number;
  /** After br, return, unreachable or error.raise: the rest of the frame is dead and its stack polymorphic. */
  unreachable: boolean;
}

const frameNames: Record<FrameKind, string> = {
  program: 'program',
  block: 'block',
  loop: 'loop',
  if: 'if',
  else: 'if',
};

/** Validates a program: returns its jump tables, or throws ValidationError at the first problem. */
export function validate(program: Program): ValidationResult {
  const code = program.code;
  if (code.length === 0) throw new ValidationError(0, 'empty program: the code must end with the end that closes the body');
  const validator = new Validator(program);
  validator.pushCtrl('program', []);
  for (let address = 0; address < code.length; address++) {
    if (validator.controlDepth === 0) throw new ValidationError(address, 'instructions after the final end');
    validator.address = address;
    validator.check(code[address]!);
  }
  validator.address = code.length;
  validator.requireClosed();
  return validator.result();
}

class Validator {
  address = 0;
  private readonly operands: OperandType[] = [];
  private readonly controls: ControlFrame[] = [];
  /**
   * Local initialization, as in WebAssembly's function-references proposal: locals
   * of a type without a zero value (ptr, row, scan, rowset) must be set before they are
   * read. `initialized` says which are; `inits` lists, in order, those set so far,
   * so leaving a frame can forget the sets made inside it (they may not have run).
   */
  private readonly initialized: boolean[];
  private readonly inits: number[] = [];
  private maxStackHeight = 0;
  private maxControlDepth = 0;
  private readonly blockEnds: Int32Array;
  private readonly elseOf: Int32Array;

  constructor(readonly program: Program) {
    this.blockEnds = new Int32Array(program.code.length).fill(-1);
    this.elseOf = new Int32Array(program.code.length).fill(-1);
    this.initialized = program.locals.map((type) => !typesWithoutZero.has(type));
  }

  get controlDepth(): number {
    return this.controls.length;
  }

  fail(reason: string): never {
    throw new ValidationError(this.address, reason);
  }

  // --- the spec's helpers: the only code that touches the two stacks ---

  pushVal(type: OperandType): void {
    this.operands.push(type);
    this.maxStackHeight = Math.max(this.maxStackHeight, this.operands.length);
  }

  popVal(expected?: ValueType): OperandType {
    const frame = this.innermost();
    if (this.operands.length === frame.height) {
      if (frame.unreachable) return 'unknown';
      this.fail(expected === undefined ? 'stack underflow' : `stack underflow: expected ${expected}`);
    }
    const actual = this.operands.pop()!;
    if (expected !== undefined && actual !== 'unknown' && actual !== expected) this.fail(`expected ${expected} but found ${actual}`);
    return actual;
  }

  pushVals(types: readonly OperandType[]): void {
    for (const type of types) this.pushVal(type);
  }

  /** Pops `types` (the last one is on top), checking each. */
  popVals(types: readonly ValueType[]): void {
    for (let index = types.length - 1; index >= 0; index--) this.popVal(types[index]!);
  }

  pushCtrl(kind: FrameKind, resultTypes: readonly ValueType[], opener = -1): void {
    this.controls.push({ kind, opener, resultTypes, height: this.operands.length, initHeight: this.inits.length, unreachable: false });
    this.maxControlDepth = Math.max(this.maxControlDepth, this.controls.length);
  }

  popCtrl(): ControlFrame {
    const frame = this.innermost();
    this.popVals(frame.resultTypes);
    if (this.operands.length !== frame.height) {
      const left = this.operands.slice(frame.height).join(' ');
      this.fail(`values left on the stack at end of ${frameNames[frame.kind]}: ${left}`);
    }
    this.controls.pop();
    for (const index of this.inits.splice(frame.initHeight)) this.initialized[index] = false;
    return frame;
  }

  unreachable(): void {
    const frame = this.innermost();
    this.operands.length = frame.height;
    frame.unreachable = true;
  }

  // --- labels ---

  /** The frame a branch of `depth` targets, 0 being the innermost. */
  label(depth: number): ControlFrame {
    const labels = this.controls.length;
    if (depth >= labels) this.fail(`${this.opName()} depth ${depth} but only ${labels} label${labels === 1 ? '' : 's'}`);
    return this.controls[labels - 1 - depth]!;
  }

  /** A branch to a loop jumps back to its start, which takes no values; to a block or if, its results. */
  labelTypes(frame: ControlFrame): readonly ValueType[] {
    return frame.kind === 'loop' ? [] : frame.resultTypes;
  }

  // --- one instruction ---

  check(instruction: Instruction): void {
    const info = instructionByName.get(instruction.op);
    if (info === undefined) this.fail(`unknown instruction '${String(instruction.op)}'`);
    const immediates = instruction.immediates;
    checkImmediateKinds(this, info, immediates);
    immediateRules[info.name as InstructionName]?.(this, immediates);
    const effect = info.effect;
    switch (effect.kind) {
      case 'fixed':
        this.popVals(effect.pops);
        this.pushVals(effect.pushes);
        return;
      case 'control':
        ruleFor(controlRules, info)(this, immediates);
        return;
      case 'local':
        ruleFor(localRules, info)(this, this.localType(immediates[0] as number), immediates[0] as number);
        return;
      case 'constant':
        this.pushVal(this.pushableConstantType(immediates[0] as number));
        return;
      case 'select': {
        this.popVal('i32');
        const first = this.popVal();
        const second = this.popVal(first === 'unknown' ? undefined : first);
        this.pushVal(first === 'unknown' ? second : first);
        return;
      }
      case 'drop':
        this.popVal();
        return;
      default:
        return unhandledEffect(effect);
    }
  }

  /** Ends a block, loop, if or else frame (or the body) and records where it ends. */
  end(): void {
    const top = this.innermost();
    if (top.kind === 'if' && top.resultTypes.length > 0) this.fail('if with a result type needs an else');
    const frame = this.popCtrl();
    if (frame.opener >= 0) this.blockEnds[frame.opener] = this.address;
    this.pushVals(frame.resultTypes);
  }

  else(): void {
    if (this.innermost().kind !== 'if') this.fail('else without if');
    const frame = this.popCtrl();
    this.elseOf[frame.opener] = this.address;
    this.pushCtrl('else', frame.resultTypes, frame.opener);
  }

  /** At the end of the code: every frame, the body's included, must have been closed. */
  requireClosed(): void {
    if (this.controls.length === 0) return;
    const frame = this.innermost();
    if (frame.kind === 'program') this.fail('unclosed block: the program has no final end');
    this.fail(`unclosed block: the ${frameNames[frame.kind]} at ${frame.opener} has no end`);
  }

  result(): ValidationResult {
    assert(this.controls.length === 0 && this.operands.length === 0, 'a validated program leaves both stacks empty');
    return { maxStackHeight: this.maxStackHeight, maxControlDepth: this.maxControlDepth, blockEnds: this.blockEnds, elseOf: this.elseOf };
  }

  // --- program tables the immediates index ---

  /** local.get of a local without a zero value that may not have been set is refused. */
  getLocal(index: number, type: ValueType): void {
    if (!this.initialized[index]) this.fail(`local ${index} (${type}) is read before it is set on every path`);
    this.pushVal(type);
  }

  setLocal(index: number): void {
    if (this.initialized[index]) return;
    this.initialized[index] = true;
    this.inits.push(index);
  }

  localType(index: number): ValueType {
    const locals = this.program.locals;
    if (index >= locals.length) this.fail(`local ${index} out of range (${locals.length} local${locals.length === 1 ? '' : 's'})`);
    const type = locals[index]!;
    if (!(valueTypes as readonly string[]).includes(type)) this.fail(`local ${index} has unknown type '${String(type)}'`);
    return type;
  }

  constant(index: number): Constant {
    const constants = this.program.constants;
    if (index >= constants.length) this.fail(`constant ${index} out of range (${constants.length} constant${constants.length === 1 ? '' : 's'})`);
    return constants[index]!;
  }

  pushableConstantType(index: number): ValueType {
    const entry = this.constant(index);
    switch (entry.kind) {
      case 'sql':
        return 'sql';
      case 'bytes':
        return 'bytes';
      case 'name':
        return this.fail(`constant ${index} is a name and cannot be pushed`);
      default:
        return this.fail(`constant ${index} has unknown kind '${String((entry as { kind: unknown }).kind)}'`);
    }
  }

  /** A name constant: resource names, SQLSTATEs and messages are text the immediates refer to. */
  nameConstant(index: number, role: string): string {
    const entry = this.constant(index);
    if (entry.kind !== 'name') this.fail(`${role}: constant ${index} is a ${String(entry.kind)}, not a name`);
    return entry.value;
  }

  private innermost(): ControlFrame {
    const frame = this.controls.at(-1);
    assert(frame !== undefined, 'validate stops at the final end, so a frame is always open');
    return frame;
  }

  opName(): string {
    return this.program.code[this.address]!.op;
  }
}

// --- rules by opcode ---

type ControlRule = (validator: Validator, immediates: readonly Immediate[]) => void;
type LocalRule = (validator: Validator, type: ValueType, index: number) => void;

/** Operand types with no zero value for a fresh local to hold. */
const typesWithoutZero: ReadonlySet<string> = new Set<ValueType>(['ptr', 'row', 'scan', 'rowset']);
type ImmediateRule = (validator: Validator, immediates: readonly Immediate[]) => void;

/** Block types: a value type code for one result, or the empty block type for none. */
function blockResultTypes(validator: Validator, code: number): readonly ValueType[] {
  if (code === emptyBlockTypeCode) return [];
  const type = valueTypes.find((candidate) => valueTypeCodes[candidate] === code);
  return type === undefined ? validator.fail(`unknown block type ${hex(code)}`) : [type];
}

/**
 * The instructions whose stack effect is `control` or `local`, each with its
 * rule. The table decides which instructions those are; module load asserts the
 * lists here agree with it both ways (see the end of this file), so a new
 * control opcode fails every test until it has a rule.
 */
const controlInstructionNames = ['unreachable', 'block', 'loop', 'if', 'else', 'end', 'br', 'br_if', 'return', 'error.raise'] as const satisfies readonly InstructionName[];
const localInstructionNames = ['local.get', 'local.set', 'local.tee'] as const satisfies readonly InstructionName[];

const controlRules: Record<(typeof controlInstructionNames)[number], ControlRule> = {
  unreachable: (validator) => validator.unreachable(),
  block: (validator, [blockType]) => validator.pushCtrl('block', blockResultTypes(validator, blockType as number), validator.address),
  loop: (validator, [blockType]) => validator.pushCtrl('loop', blockResultTypes(validator, blockType as number), validator.address),
  if: (validator, [blockType]) => {
    const resultTypes = blockResultTypes(validator, blockType as number);
    validator.popVal('i32');
    validator.pushCtrl('if', resultTypes, validator.address);
  },
  else: (validator) => validator.else(),
  end: (validator) => validator.end(),
  br: (validator, [depth]) => {
    validator.popVals(validator.labelTypes(validator.label(depth as number)));
    validator.unreachable();
  },
  br_if: (validator, [depth]) => {
    const labelTypes = validator.labelTypes(validator.label(depth as number));
    validator.popVal('i32');
    validator.popVals(labelTypes);
    validator.pushVals(labelTypes);
  },
  // The body has no results, so returning needs no values.
  return: (validator) => validator.unreachable(),
  'error.raise': (validator) => validator.unreachable(),
};

const localRules: Record<(typeof localInstructionNames)[number], LocalRule> = {
  'local.get': (validator, type, index) => validator.getLocal(index, type),
  'local.set': (validator, type, index) => {
    validator.popVal(type);
    validator.setLocal(index);
  },
  'local.tee': (validator, type, index) => {
    validator.popVal(type);
    validator.setLocal(index);
    validator.pushVal(type);
  },
};

function resourceImmediates(validator: Validator, [resource, resourceType]: readonly Immediate[]): void {
  validator.nameConstant(resource as number, `${validator.opName()} resource name`);
  const types = Object.entries(resourceTypeCodes);
  if (!types.some(([, code]) => code === resourceType)) {
    validator.fail(`resource type ${String(resourceType)} is not one of ${types.map(([name, code]) => `${code} (${name})`).join(', ')}`);
  }
}

/** lnr.append, lnr.read: the log's resource name is a name constant (the account is the session's, the type lnr). */
function logImmediate(validator: Validator, [resource]: readonly Immediate[]): void {
  validator.nameConstant(resource as number, `${validator.opName()} resource name`);
}

function rowFieldIndex(validator: Validator, [field]: readonly Immediate[]): void {
  if ((field as number) >= rowFieldsMax) validator.fail(`row field ${String(field)} out of range (rows have at most ${rowFieldsMax} fields)`);
}

function rowFieldCount(validator: Validator, [count]: readonly Immediate[]): void {
  if ((count as number) > rowFieldsMax) validator.fail(`row of ${String(count)} fields exceeds the limit of ${rowFieldsMax}`);
}

/** Checks of immediates beyond their kind: what they index must be the right kind of thing. */
const immediateRules: Partial<Record<InstructionName, ImmediateRule>> = {
  'ptr.make': resourceImmediates,
  'ptr.make_sorted': resourceImmediates,
  'mem.scan_resource': resourceImmediates,
  'lnr.append': logImmediate,
  'lnr.read': logImmediate,
  'lnr.trim': logImmediate,
  'mem.scan_range': (validator, [flags]) => {
    if ((flags as number) > scanRangeFlagsMax) validator.fail(`scan flags ${String(flags)} outside 0..${scanRangeFlagsMax}`);
  },
  'row.new': rowFieldCount,
  'row.decode': rowFieldCount,
  'row.get': rowFieldIndex,
  'row.set': rowFieldIndex,
  'rowset.new': (validator, [keyFields]) => {
    if ((keyFields as number) > rowSetKeyFieldsMax) validator.fail(`rowset of ${String(keyFields)} key fields exceeds the limit of ${rowSetKeyFieldsMax}`);
  },
  'rowset.group': rowFieldCount,
  'agg.count': rowFieldIndex,
  'agg.sum': rowFieldIndex,
  'agg.min': rowFieldIndex,
  'agg.max': rowFieldIndex,
  'param.get': (validator, [index]) => {
    const count = validator.program.paramCount;
    if (!((index as number) < count)) validator.fail(`param.get ${String(index)} but the program has ${count} param${count === 1 ? '' : 's'}`);
  },
  'error.raise': (validator, [sqlState, message]) => {
    const code = validator.nameConstant(sqlState as number, 'error.raise SQLSTATE');
    if (!sqlStatePattern.test(code)) validator.fail(`SQLSTATE '${code}' is not 5 characters of 0-9 and A-Z`);
    validator.nameConstant(message as number, 'error.raise message');
  },
};

/**
 * Each immediate matches its kind in the table: the right count, integers in
 * range, known codes, pool and local indexes checked where they are used.
 */
function checkImmediateKinds(validator: Validator, info: InstructionInfo, immediates: readonly Immediate[]): void {
  const kinds = info.immediates;
  if (!Array.isArray(immediates) || immediates.length !== kinds.length) {
    const count = Array.isArray(immediates) ? immediates.length : 0;
    validator.fail(`${info.name} takes ${kinds.length} immediate${kinds.length === 1 ? '' : 's'} but has ${count}`);
  }
  kinds.forEach((kind, index) => {
    const immediate = immediates[index];
    if (!immediateFits(kind, immediate)) validator.fail(`${info.name} immediate ${describeImmediate(immediate)} is not ${immediateKindNames[kind]}`);
    if (kind === 'sqlType' && !sqlTypeByCode.has(immediate as number)) validator.fail(`unknown SQL type code ${hex(immediate as number)}`);
  });
}

const immediateKindNames: Record<ImmediateKind, string> = {
  u32: 'an unsigned 32-bit integer',
  s32: 'a signed 32-bit integer',
  s64: 'a signed 64-bit integer (bigint)',
  f64: 'a 64-bit float',
  blockType: 'a block type code',
  sqlType: 'a SQL type code',
  constant: 'a constant index',
  local: 'a local index',
  label: 'a label depth',
};

function immediateFits(kind: ImmediateKind, immediate: unknown): boolean {
  switch (kind) {
    case 's32':
      return isS32(immediate);
    case 's64':
      return isS64(immediate);
    case 'f64':
      return typeof immediate === 'number';
    case 'u32':
    case 'blockType':
    case 'sqlType':
    case 'constant':
    case 'local':
    case 'label':
      return isU32(immediate);
    default:
      return unhandledImmediateKind(kind);
  }
}

function describeImmediate(immediate: unknown): string {
  return typeof immediate === 'bigint' ? `${immediate}n` : String(immediate);
}

function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

function ruleFor<Rule>(rules: Readonly<Record<string, Rule>>, info: InstructionInfo): Rule {
  const rule = rules[info.name];
  assert(rule !== undefined, `the validator has a rule for ${info.name}`);
  return rule;
}

function unhandledEffect(effect: never): never {
  throw new Error(`assertion failed: unhandled stack effect ${JSON.stringify(effect)}`);
}

function unhandledImmediateKind(kind: never): never {
  throw new Error(`assertion failed: unhandled immediate kind ${String(kind)}`);
}

function assertRulesMatchTable(kind: StackEffect['kind'], handled: readonly string[]): void {
  const inTable = instructions.filter((info) => info.effect.kind === kind).map((info) => info.name);
  const agree = inTable.length === handled.length && inTable.every((name) => handled.includes(name));
  assert(agree, `the validator's ${kind} rules (${handled.join(', ')}) match the table's ${kind} instructions (${inTable.join(', ')})`);
}

assertRulesMatchTable('control', controlInstructionNames);
assertRulesMatchTable('local', localInstructionNames);
