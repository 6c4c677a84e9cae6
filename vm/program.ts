/**
 * A program: what the compiler emits and the VM runs. It is the in-memory form
 * that the binary format encodes and the text format lists; `decode(encode(p))`
 * and `assemble(disassemble(p))` both give back an equal Program.
 *
 * The code is one function body in WebAssembly's sense: an implicit outer block
 * with no result, closed by a final `end`. Addresses are instruction indexes.
 */
import type { InstructionName, ValueType } from './isa.js';
import type { SqlValue } from './sql-values.js';

/** An immediate operand: integers as numbers (u32, s32, indexes, codes), s64 as bigint, f64 as number. */
export type Immediate = number | bigint;

export interface Instruction {
  readonly op: InstructionName;
  readonly immediates: readonly Immediate[];
}

/**
 * Constant-pool entries. `sql` and `bytes` can be pushed with `const`; a `name`
 * is text that immediates refer to (resource names, SQLSTATEs, messages).
 */
export type Constant =
  | { readonly kind: 'sql'; readonly value: SqlValue }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'name'; readonly value: string };

export interface Program {
  /** Statement parameters $1..$n, read with param.get 0..n-1. */
  readonly paramCount: number;
  /** Types of the locals, each starting as the type's zero (0, 0n, 0.0, NULL, no word). */
  readonly locals: readonly ValueType[];
  readonly constants: readonly Constant[];
  readonly code: readonly Instruction[];
  /** Comments by instruction address, shown in listings and EXPLAIN. */
  readonly comments: Readonly<Record<number, string>>;
}

/** The resource types of ptr.make's second immediate. */
export const resourceTypeCodes = { rnd: 0, lnr: 1 } as const;
