/**
 * The compiled tier: a validated, prepared program translated once into
 * JavaScript source, built with `new Function`, and run in place of the
 * interpreter (vm/interpreter.ts), with exactly its observable behaviour. It is
 * what a WebAssembly engine's baseline compiler is to its interpreter: no
 * optimisation of its own, just no dispatch, so V8 sees straight code.
 *
 * How the program maps to JavaScript:
 * - Operand-stack slots become locals named by height and type (`s3_i64`): the
 *   validator gives every instruction a static stack, so each stack access is a
 *   fixed variable, and each variable only ever holds one type (which keeps V8's
 *   type feedback for it monomorphic).
 *   Program locals are `l0`, `l1`, ...
 * - block is a labeled block, loop a labeled `for (;;)` left by `break` at its
 *   end and re-entered by `continue`, if/else an if/else; br and br_if move the
 *   carried value to the label's slot, then break or continue; return returns.
 * - Memory instructions await the run state (vm/run-state.ts); the
 *   function is async only when the program has one, else it runs synchronously.
 * - Nothing from the program's content is ever source text: constants, resource
 *   names and SQL types are passed in an array and named `k0`, `k1`, ...;
 *   integers inlined come from the prepared program's typed arrays. Program
 *   comments are not copied into the source. Each line carries its instruction's
 *   address and name in a comment (`compiled.source`).
 *
 * Fuel is charged per run, a straight-line stretch of instructions that always
 * executes whole unless it fails: at its first instruction the whole run's
 * count is taken, so `stats.instructions` is exact for a run that completes.
 * Each run also bumps a counter (a JavaScript local, stored to an array in a
 * `finally`), and `stats.counts` is expanded from those at the end, so
 * per-instruction counts are exact too (`exactCounts`; `countExecutions: false`
 * leaves them zero and saves the bumps). The one
 * difference from the interpreter: when the fuel left cannot pay for a whole
 * run, exhaustion is reported at the run's first address, before any of its
 * instructions execute, where the interpreter would execute the ones it could
 * pay for first. The kind and message are the interpreter's. (Stats of failed
 * runs are not observable, so no correction for a run left midway is needed.)
 *
 * Traps report the exact address: `pc` is assigned before each instruction that
 * can fail, and a catch around the body stamps it on the failure as the
 * interpreter does.
 */
import { assert } from '../common/sql-error.js';
import { fixedRules, generatedCodeHelpers, type Site, type StructuralInstructionName } from './compiled-tier-rules.js';
import { checkStartLimits, executionLimitsDefault, RunState, type ExecutionContext, type ExecutionResult } from './run-state.js';
import { emptyBlockTypeCode, instructionByCode, valueTypeCodes, valueTypes, type InstructionName, type ValueType } from './isa.js';
import type { PreparedProgram } from './prepared-program.js';

export interface CompiledProgram {
  readonly prepared: PreparedProgram;
  /** The generated JavaScript: one line per instruction, with its address and name in a comment. */
  readonly source: string;
  /** Whether the generated function is async: only programs with memory instructions that await are. */
  readonly awaitsMemory: boolean;
  /** Whether `stats.counts` are filled in exactly (else they stay zero: use the interpreter for EXPLAIN ANALYZE). */
  readonly exactCounts: boolean;
  run(context: ExecutionContext): Promise<ExecutionResult>;
}

export interface CompileOptions {
  /** Count executions per instruction (`stats.counts`); costs one counter bump per run. Default true. */
  readonly countExecutions?: boolean;
}

/** The generated function: returns the fuel left; throws VmFailure with the failing address. */
type CompiledFunction = (state: RunState, params: readonly unknown[], runCounts: Uint32Array, fuel: number) => number | Promise<number>;

/** Translates a prepared program into JavaScript and builds it. Programs are validated already; a failure here is a crash. */
export function compileProgram(prepared: PreparedProgram, options: CompileOptions = {}): CompiledProgram {
  const countExecutions = options.countExecutions ?? true;
  const runs = findRuns(prepared);
  const generated = new Generator(prepared, runs, countExecutions).generate();
  const factory = new Function('helpers', 'K', generated.source) as unknown as (helpers: typeof generatedCodeHelpers, constants: readonly unknown[]) => CompiledFunction;
  const compiled = factory(generatedCodeHelpers, generated.constants);
  const count = prepared.ops.length;

  async function run(context: ExecutionContext): Promise<ExecutionResult> {
    const limits = { ...executionLimitsDefault, ...context.limits };
    checkStartLimits(prepared, context, limits);
    const state = new RunState(context, limits, count);
    const runCounts = new Uint32Array(runs.count);
    const params = context.params ?? [];
    const fuelLeft = generated.awaitsMemory ? await compiled(state, params, runCounts, limits.fuel) : (compiled(state, params, runCounts, limits.fuel) as number);
    const stats = state.stats;
    stats.instructions = limits.fuel - fuelLeft;
    if (countExecutions) {
      const counts = stats.counts;
      const runOf = runs.runOf;
      for (let address = 0; address < count; address++) {
        const index = runOf[address]!;
        if (index >= 0) counts[address] = runCounts[index]!;
      }
    }
    return { rows: state.rows, rowCount: state.rowCount, stats };
  }

  return { prepared, source: generated.source, awaitsMemory: generated.awaitsMemory, exactCounts: countExecutions, run };
}

// --- runs: where fuel is charged -------------------------------------------------

interface Runs {
  readonly count: number;
  /** The run of each address, -1 for code no run reaches (after a br, return, unreachable or error.raise). */
  readonly runOf: Int32Array;
  /** The instructions of each run. */
  readonly lengths: readonly number[];
  /** Whether a run starts at the address. */
  readonly starts: Uint8Array;
}

/** Instructions after which control does not simply go on to the next one. */
const runEnders: ReadonlySet<InstructionName> = new Set(['br', 'br_if', 'if', 'else', 'return', 'unreachable', 'error.raise']);

/**
 * Splits the code into runs. A run starts where control can arrive other than
 * from the instruction before: the first instruction, the start of a loop body
 * (`continue`), both arms of an if, after a br_if not taken, and the end of a
 * block, an if or the body (where branches land). It ends at an instruction
 * that transfers control, or just before the next start.
 */
function findRuns(prepared: PreparedProgram): Runs {
  const { ops } = prepared;
  const count = ops.length;
  const starts = new Uint8Array(count + 1);
  starts[0] = 1;
  const openers: InstructionName[] = [];
  for (let address = 0; address < count; address++) {
    const name = nameAt(prepared, address);
    switch (name) {
      case 'block':
        openers.push(name);
        break;
      case 'loop':
      case 'if':
        openers.push(name);
        starts[address + 1] = 1;
        break;
      case 'else':
      case 'br_if':
        starts[address + 1] = 1;
        break;
      case 'end':
        if (openers.pop() !== 'loop') starts[address] = 1;
        break;
      default:
        break;
    }
  }
  const runOf = new Int32Array(count).fill(-1);
  const lengths: number[] = [];
  let current = -1;
  for (let address = 0; address < count; address++) {
    if (starts[address]) {
      current = lengths.length;
      lengths.push(0);
    }
    runOf[address] = current;
    if (current >= 0) lengths[current]!++;
    if (runEnders.has(nameAt(prepared, address))) current = -1;
  }
  return { count: lengths.length, runOf, lengths, starts };
}

function nameAt(prepared: PreparedProgram, address: number): InstructionName {
  const info = instructionByCode.get(prepared.ops[address]!);
  assert(info !== undefined, 'a prepared program holds only known opcodes');
  return info.name as InstructionName;
}

// --- code generation -------------------------------------------------------------

/** Short type tags for slot names: `s3_i64` is stack height 3 holding an i64. */
const slotTypeTags: Record<ValueType, string> = { i32: 'i32', i64: 'i64', f64: 'f64', sql: 'sql', bytes: 'bytes', row: 'row', ptr: 'ptr', scan: 'scan', rowset: 'rowset' };

/** The source text of each type's zero, the initial value of its locals and slots. */
const zeroSource: Record<ValueType, string> = { i32: '0', i64: '0n', f64: '0', sql: 'null', bytes: 'null', row: 'null', ptr: 'null', scan: 'null', rowset: 'null' };

const blockResultTypes = new Map<number, readonly ValueType[]>([
  [emptyBlockTypeCode, []],
  ...valueTypes.map((type): [number, readonly ValueType[]] => [valueTypeCodes[type], [type]]),
]);

interface Frame {
  readonly kind: 'body' | 'block' | 'loop' | 'if';
  readonly label: string;
  /** Operand-stack height when the frame was entered. */
  readonly base: number;
  readonly results: readonly ValueType[];
}

/** Integers spliced into source: always checked to be integers, whatever their origin. */
function integer(value: number): string {
  assert(Number.isSafeInteger(value), `only integers are spliced into generated code, not ${String(value)}`);
  return String(value);
}

class Generator {
  private readonly lines: string[] = [];
  private indent = 2;
  private readonly types: ValueType[] = [];
  private readonly frames: Frame[] = [];
  private readonly slots = new Map<string, ValueType>();
  private readonly constants: unknown[] = [];
  private readonly constantNames = new Map<unknown, string>();
  /** The addresses of memory instructions: their failures are the memory's. */
  private readonly memoryInstructionAt: Uint8Array;
  private awaitsMemory = false;
  /** False after an unconditional transfer, up to the end or else of the frame it happened in. */
  private live = true;
  /** While not live: blocks opened (and skipped) inside the dead code. */
  private deadNesting = 0;

  constructor(
    private readonly prepared: PreparedProgram,
    private readonly runs: Runs,
    private readonly countExecutions: boolean,
  ) {
    this.memoryInstructionAt = new Uint8Array(prepared.ops.length);
  }

  generate(): { source: string; constants: readonly unknown[]; awaitsMemory: boolean } {
    const count = this.prepared.ops.length;
    this.frames.push({ kind: 'body', label: 'body', base: 0, results: [] });
    this.line('body: {');
    this.indent++;
    for (let address = 0; address < count; address++) this.instruction(address);
    assert(this.frames.length === 0 && this.types.length === 0, 'the final end closes the body with an empty stack');
    return { source: this.assemble(), constants: this.constants, awaitsMemory: this.awaitsMemory };
  }

  private assemble(): string {
    const program = this.prepared.program;
    const helperNames = Object.keys(generatedCodeHelpers).join(', ');

    const locals = program.locals.map((type, index) => `l${index} = ${zeroSource[type]}`);
    const slots = [...this.slots].map(([name, type]) => `${name} = ${zeroSource[type]}`);
    // Run counters live in locals (registers, not a typed array) and are stored once, however the function exits.
    const counters = this.countExecutions ? Array.from({ length: this.runs.count }, (_, run) => `c${run} = 0`) : [];
    const storeCounters = this.countExecutions ? Array.from({ length: this.runs.count }, (_, run) => `C[${run}] = c${run};`) : [];
    // Only programs that await the memory need to tell its failures apart (and to name it).
    const failure = this.awaitsMemory ? `failureAt(error, pc, ${this.constant(this.memoryInstructionAt)})` : 'withAddress(error, pc)';
    const memory = this.awaitsMemory ? [`  const M = rt.memory, S = rt.stats.memory;`] : [];
    return [
      `'use strict';`,
      `const { ${helperNames} } = helpers;`,
      ...this.constants.map((_, index) => `const k${index} = K[${index}];`),
      `return ${this.awaitsMemory ? 'async ' : ''}function compiledProgram(rt, P, C, fuel) {`,
      `  let pc = -1;`,
      `  const signal = rt.signal;`,
      ...memory,
      ...(locals.length > 0 ? [`  let ${locals.join(', ')};`] : []),
      ...(slots.length > 0 ? [`  let ${slots.join(', ')};`] : []),
      ...(counters.length > 0 ? [`  let ${counters.join(', ')};`] : []),
      `  try {`,
      ...this.lines,
      `  } catch (error) {`,
      `    throw ${failure};`,
      ...(storeCounters.length > 0 ? [`  } finally {`, `    ${storeCounters.join(' ')}`] : []),
      `  }`,
      `};`,
    ].join('\n');
  }

  private instruction(address: number): void {
    const name = nameAt(this.prepared, address);
    if (!this.live) {
      if (name === 'block' || name === 'loop' || name === 'if') {
        this.deadNesting++;
        return;
      }
      if (this.deadNesting > 0) {
        if (name === 'end') this.deadNesting--;
        return;
      }
      if (name !== 'end' && name !== 'else') return;
    }
    switch (name) {
      case 'end':
        return this.end(address);
      case 'else':
        return this.else(address);
      default:
        this.startRun(address);
        return this.body(address, name);
    }
  }

  /** At the first instruction of a run: charge its fuel and count it. */
  private startRun(address: number): void {
    const { starts, runOf, lengths } = this.runs;
    const run = runOf[address]!;
    assert(run >= 0, `live code at ${address} belongs to a run`);
    if (!starts[address]) return;
    const length = lengths[run]!;
    const counter = this.countExecutions ? ` c${integer(run)}++;` : '';
    this.lines.push(
      `${this.pad()}if ((fuel -= ${integer(length)}) < 0) throw rt.outOfFuel(${integer(address)});${counter} // run ${run}: ${address}..${address + length - 1}`,
      `${this.pad()}if (signal !== undefined && signal.aborted) throw rt.canceled(${integer(address)});`,
    );
  }

  private body(address: number, name: InstructionName): void {
    const info = instructionByCode.get(this.prepared.ops[address]!)!;
    if (info.effect.kind === 'fixed') {
      const rule = fixedRules[name];
      assert(rule !== undefined, `the compiled tier has a rule for ${name}`);
      const operands = this.popAll(info.effect.pops);
      const results = info.effect.pushes.map((type) => this.push(type));
      if (rule.awaits) {
        this.awaitsMemory = true;
        this.memoryInstructionAt[address] = 1;
      }
      const code = rule.emit(operands, results, this.site(address));
      return this.emit(address, name, code, rule.fails === true);
    }
    const program = this.prepared.program;
    const first = this.prepared.first[address]!;
    const structural = name as StructuralInstructionName;
    switch (structural) {
      case 'unreachable':
        this.emit(address, name, `throw unreachableExecuted(${integer(address)});`, true);
        return this.unreachable();
      case 'error.raise': {
        const site = this.site(address);
        const message = site.poolEntry(this.prepared.second[address]!);
        this.emit(address, name, `throw raisedError(${site.value()}, ${message}, ${integer(address)});`, true);
        return this.unreachable();
      }
      case 'return':
        this.emit(address, name, 'return fuel;');
        return this.unreachable();
      case 'block':
      case 'loop': {
        const label = `${structural}${integer(address)}`;
        this.emit(address, name, structural === 'block' ? `${label}: {` : `${label}: for (;;) {`);
        this.open(structural, label, this.blockResults(address));
        return;
      }
      case 'if': {
        const condition = this.pop('i32');
        const label = `if${integer(address)}`;
        this.emit(address, name, `${label}: if (${condition} !== 0) {`);
        this.open('if', label, this.blockResults(address));
        return;
      }
      case 'br':
        this.emit(address, name, this.branch(address));
        return this.unreachable();
      case 'br_if': {
        const condition = this.pop('i32');
        this.emit(address, name, `if (${condition} !== 0) { ${this.branch(address)} }`);
        return;
      }
      case 'local.get':
        return this.emit(address, name, `${this.push(program.locals[first]!)} = l${integer(first)};`);
      case 'local.set':
        return this.emit(address, name, `l${integer(first)} = ${this.pop(program.locals[first]!)};`);
      case 'local.tee': {
        const value = this.pop(program.locals[first]!);
        this.push(program.locals[first]!);
        return this.emit(address, name, `l${integer(first)} = ${value};`);
      }
      case 'const': {
        const kind = program.constants[first]!.kind;
        assert(kind === 'sql' || kind === 'bytes', 'const pushes sql and bytes constants only');
        return this.emit(address, name, `${this.push(kind)} = ${this.site(address).value()};`);
      }
      case 'select': {
        // [a b condition] -> [a] when the condition is non-zero, else [b]: a's slot is the result's.
        const type = this.types.at(-2)!;
        const condition = this.pop('i32');
        const b = this.pop(type);
        const a = this.pop(type);
        this.push(type);
        return this.emit(address, name, `if (${condition} === 0) ${a} = ${b};`);
      }
      case 'drop':
        this.pop();
        return this.emit(address, name, '');
      case 'end':
      case 'else':
        return assert(false, 'end and else close frames: instruction() handles them');
      default:
        return unhandledInstruction(structural);
    }
  }

  /** The moves and the jump of a br or br_if: carried values go to the label's slots. */
  private branch(address: number): string {
    const depth = Number(this.prepared.program.code[address]!.immediates[0]);
    const frame = this.frames[this.frames.length - 1 - depth];
    assert(frame !== undefined, 'validated branches have targets');
    assert(this.prepared.branchHeight[address] === frame.base, 'the generator and prepareProgram agree on label heights');
    if (frame.kind === 'loop') return `continue ${frame.label};`;
    const arity = frame.results.length;
    const moves: string[] = [];
    frame.results.forEach((type, index) => {
      const from = slotName(this.types.length - arity + index, type);
      const to = slotName(frame.base + index, type);
      assert(this.types[this.types.length - arity + index] === type, 'a branch carries values of its label type');
      if (from !== to) moves.push(`${this.declare(to, type)} = ${from};`);
    });
    return [...moves, `break ${frame.label};`].join(' ');
  }

  private else(address: number): void {
    const frame = this.frames.at(-1)!;
    assert(frame.kind === 'if', 'else closes the then-arm of an if');
    // When the then-arm runs to its end, the else instruction counts (it may start a run) and jumps to the end.
    if (this.live) this.startRun(address);
    this.indent--;
    this.emit(address, 'else', '} else {');
    this.indent++;
    this.types.length = frame.base;
    this.live = true;
  }

  private end(address: number): void {
    const frame = this.frames.pop()!;
    if (frame.kind === 'loop') {
      // Nothing branches to a loop's end: it is reached only by falling through the body.
      if (this.live) {
        this.startRun(address);
        this.emit(address, 'end', `break ${frame.label};`);
      }
      this.indent--;
      this.line('}');
    } else {
      // Branches land on the end of a block, an if or the body: a run starts here.
      this.indent--;
      this.line('}');
      this.live = true;
      this.startRun(address);
      this.emit(address, 'end', frame.kind === 'body' ? 'return fuel;' : '');
    }
    this.types.length = frame.base;
    for (const type of frame.results) this.push(type);
  }

  private open(kind: Frame['kind'], label: string, results: readonly ValueType[]): void {
    this.frames.push({ kind, label, base: this.types.length, results });
    this.indent++;
  }

  private unreachable(): void {
    this.live = false;
    this.deadNesting = 0;
  }

  private blockResults(address: number): readonly ValueType[] {
    const code = Number(this.prepared.program.code[address]!.immediates[0]);
    const results = blockResultTypes.get(code);
    assert(results !== undefined, 'validated block types are known');
    return results;
  }

  // --- the static operand stack ---

  private push(type: ValueType): string {
    this.types.push(type);
    return this.declare(slotName(this.types.length - 1, type), type);
  }

  private pop(expected?: ValueType): string {
    const type = this.types.pop();
    assert(type !== undefined && (expected === undefined || type === expected), 'validated code pops what it pushed');
    return slotName(this.types.length, type);
  }

  /** Pops operands of the given types; returns their slots bottom first. */
  private popAll(types: readonly ValueType[]): string[] {
    const slots: string[] = [];
    for (let index = types.length - 1; index >= 0; index--) slots.unshift(this.pop(types[index]!));
    return slots;
  }

  private declare(name: string, type: ValueType): string {
    this.slots.set(name, type);
    return name;
  }

  // --- constants and source lines ---

  private site(address: number): Site {
    const prepared = this.prepared;
    return {
      address,
      first: integer(prepared.first[address]!),
      second: integer(prepared.second[address]!),
      value: () => this.constant(prepared.values[address]),
      constant: (value) => this.constant(value),
      poolEntry: (index) => this.constant(prepared.program.constants[index]!.value),
    };
  }

  /** A program value as a constant `kN` (never as source text); equal values share one, but -0 is not 0. */
  private constant(value: unknown): string {
    const shareable = !Object.is(value, -0);
    let name = shareable ? this.constantNames.get(value) : undefined;
    if (name === undefined) {
      name = `k${this.constants.length}`;
      this.constants.push(value);
      if (shareable) this.constantNames.set(value, name);
    }
    return name;
  }

  private emit(address: number, name: InstructionName, code: string, fails = false): void {
    const text = fails ? `pc = ${integer(address)}; ${code}` : code;
    this.lines.push(`${this.pad()}${text}${text === '' ? '' : ' '}// ${address} ${name}`);
  }

  private line(text: string): void {
    this.lines.push(`${this.pad()}${text}`);
  }

  private pad(): string {
    return '  '.repeat(this.indent);
  }
}

function slotName(height: number, type: ValueType): string {
  return `s${integer(height)}_${slotTypeTags[type]}`;
}

function unhandledInstruction(name: never): never {
  throw new Error(`assertion failed: the compiled tier does not handle ${String(name)}`);
}
