/**
 * The tiny builder every statement compiler emits through (STYLE 2), in the
 * manner of SQLite's sqlite3VdbeAddOp3 / VdbeComment: `emit` returns the address,
 * `comment` annotates the instruction just emitted, constants are interned.
 *
 * Control flow is structured (WebAssembly's), so a label is an open block, loop
 * or if: `block()` / `loop()` / `ifThen()` open one, `br(label)` and
 * `brIf(label)` branch to it by name (the builder works out the depth), and
 * `end(label)` closes it. `finish()` asserts every label was closed exactly once,
 * in nesting order, appends the body's final `end` and validates the program: a
 * compiler bug shows up here as a crash, never as a wrong program at run time.
 */
import { assert } from '../common/sql-error.js';
import { emptyBlockTypeCode, valueTypeCodes, type InstructionName, type ValueType } from '../vm/isa.js';
import type { Constant, Immediate, Instruction, Program } from '../vm/program.js';
import type { SqlValue } from '../vm/sql-values.js';
import { validate } from '../vm/validator.js';

export interface Label {
  readonly kind: 'block' | 'loop' | 'if';
  /** The address of the instruction that opened it. */
  readonly address: number;
}

export class ProgramBuilder {
  private readonly code: Instruction[] = [];
  private readonly comments: Record<number, string> = {};
  private readonly locals: ValueType[] = [];
  private readonly constants: Constant[] = [];
  private readonly constantIndexes = new Map<string, number>();
  private readonly open: Label[] = [];
  private readonly closed = new Set<Label>();
  private finished = false;

  constructor(private readonly paramCount = 0) {}

  /** The address the next instruction will have. */
  get nextAddress(): number {
    return this.code.length;
  }

  /** Declares a local of a type; returns its index. */
  local(type: ValueType): number {
    this.locals.push(type);
    return this.locals.length - 1;
  }

  /** A SQL value in the constant pool (interned): its index. */
  sqlConstant(value: SqlValue): number {
    return this.intern({ kind: 'sql', value });
  }

  /** A byte string (a word value to COMPARE with) in the constant pool (interned): its index. */
  bytesConstant(value: Uint8Array): number {
    return this.intern({ kind: 'bytes', value });
  }

  /** A name (resource, SQLSTATE, message) in the constant pool (interned): its index. */
  nameConstant(value: string): number {
    return this.intern({ kind: 'name', value });
  }

  emit(op: InstructionName, ...immediates: Immediate[]): number {
    assert(!this.finished, 'emit after finish');
    this.code.push({ op, immediates });
    return this.code.length - 1;
  }

  /** Annotates the instruction just emitted (shown by EXPLAIN and listings). */
  comment(text: string): this {
    const address = this.code.length - 1;
    assert(address >= 0, 'comment before any instruction');
    this.comments[address] = this.comments[address] === undefined ? text : `${this.comments[address]}; ${text}`;
    return this;
  }

  block(result?: ValueType): Label {
    return this.openLabel('block', result);
  }

  loop(): Label {
    return this.openLabel('loop');
  }

  /** Opens an if: pops the i32 condition emitted before it. */
  ifThen(result?: ValueType): Label {
    return this.openLabel('if', result);
  }

  /** Starts the else-arm of the innermost label, which must be this if. */
  otherwise(label: Label): void {
    assert(label.kind === 'if' && this.open.at(-1) === label, 'else belongs to the innermost open if');
    this.emit('else');
  }

  /** Closes the innermost label, which must be `label`. */
  end(label: Label): void {
    assert(this.open.at(-1) === label, `end of the ${label.kind} at ${label.address}, which is not the innermost open label`);
    this.open.pop();
    this.closed.add(label);
    this.emit('end');
  }

  br(label: Label): number {
    return this.emit('br', this.depthOf(label));
  }

  brIf(label: Label): number {
    return this.emit('br_if', this.depthOf(label));
  }

  /** The finished, validated program. */
  finish(): Program {
    assert(this.open.length === 0, `${this.open.length} labels left open (innermost: ${this.open.at(-1)?.kind} at ${this.open.at(-1)?.address})`);
    this.emit('end');
    this.finished = true;
    const program: Program = {
      paramCount: this.paramCount,
      locals: [...this.locals],
      constants: [...this.constants],
      code: [...this.code],
      comments: { ...this.comments },
    };
    validate(program);
    return program;
  }

  private openLabel(kind: Label['kind'], result?: ValueType): Label {
    const blockType = result === undefined ? emptyBlockTypeCode : valueTypeCodes[result];
    const label: Label = Object.freeze({ kind, address: this.emit(kind, blockType) });
    this.open.push(label);
    return label;
  }

  private depthOf(label: Label): number {
    const index = this.open.lastIndexOf(label);
    assert(index >= 0, `branch to the ${label.kind} at ${label.address}, which is ${this.closed.has(label) ? 'closed' : 'not open'}`);
    return this.open.length - 1 - index;
  }

  private intern(constant: Constant): number {
    const key = constantKey(constant);
    const existing = this.constantIndexes.get(key);
    if (existing !== undefined) return existing;
    this.constants.push(constant);
    this.constantIndexes.set(key, this.constants.length - 1);
    return this.constants.length - 1;
  }
}

/** Equal constants share one pool entry; the key tells types apart (1 and 1.0, '1' and 1). */
function constantKey(constant: Constant): string {
  const value = constant.value;
  if (value instanceof Uint8Array) return `${constant.kind}:bytea:${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'number') return `${constant.kind}:float:${Object.is(value, -0) ? '-0' : String(value)}`;
  return `${constant.kind}:${typeof value}:${String(value)}`;
}
