/**
 * How a program can fail (DESIGN §4, STYLE 4), each a named kind:
 * - trap: a program-visible error with a SQLSTATE (division by zero, unique violation, ...)
 * - exhaustion: fuel or a limit ran out
 * - unavailable: the memory could not be reached
 * - crash: something validated code can never do; a bug, reported as XX000
 * Plus the two ways a program is refused before it runs: a binary that does not
 * decode, and a program that does not validate.
 */
import { SqlError, type SqlStateCode } from '../common/sql-error.js';

export type FailureKind = 'trap' | 'exhaustion' | 'unavailable' | 'crash';

/** The SQLSTATE each kind reports when the failure carries none of its own. */
const defaultSqlState: Record<FailureKind, SqlStateCode> = {
  trap: 'XX000',
  exhaustion: '54000', // program_limit_exceeded
  unavailable: '08006', // connection_failure: the memory did not answer
  crash: 'XX000',
};

export class VmFailure extends SqlError {
  readonly kind: FailureKind;
  /** The address of the instruction that failed, when known. */
  readonly address: number | undefined;

  constructor(kind: FailureKind, message: string, options: { sqlstate?: SqlStateCode; address?: number; detail?: string } = {}) {
    super(options.sqlstate ?? defaultSqlState[kind], message, options.detail);
    this.name = 'VmFailure';
    this.kind = kind;
    this.address = options.address;
  }
}

/** A binary that is not a well-formed program: the byte offset where decoding stopped and why. */
export class DecodeError extends SqlError {
  readonly offset: number;

  constructor(offset: number, reason: string) {
    super('22P03', `invalid program binary at byte ${offset}: ${reason}`); // invalid_binary_representation
    this.name = 'DecodeError';
    this.offset = offset;
  }
}

/** A program the validator refuses: the instruction address and the reason. */
export class ValidationError extends SqlError {
  readonly address: number;
  readonly reason: string;

  constructor(address: number, reason: string) {
    super('XX000', `invalid program at instruction ${address}: ${reason}`);
    this.name = 'ValidationError';
    this.address = address;
    this.reason = reason;
  }
}

/** A text listing the assembler cannot read: line, column and why. */
export class AssembleError extends SqlError {
  readonly line: number;

  constructor(line: number, reason: string) {
    super('42601', `assembler: line ${line}: ${reason}`);
    this.name = 'AssembleError';
    this.line = line;
  }
}
