/**
 * VM speed on CPU-bound loops, each as a ratio to the same computation written
 * as a plain JavaScript function, measured in the same run, for both engines:
 * the compiled tier (the default) and the reference interpreter. Target: a
 * program takes at most 10x the plain function's time.
 *
 * - i64 sum: the integer arithmetic SQL runs on (64-bit, exact). Both sides use
 *   BigInt, which is how the VM represents int8 so that bigint is exact.
 * - sql sum: the same sum through SQL values (sql.add: overflow-checked, NULL-aware)
 *   against plain JavaScript doing the same checks.
 * - i32 sum: 32-bit arithmetic on plain numbers, where JavaScript itself is fastest:
 *   the pure cost of dispatch.
 *
 *   npm run bench:vm      (BENCH_SECONDS=1 per round by default)
 */
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalMemory } from '../store/local-memory.js';
import { programRunner, type EngineName } from '../vm/engine.js';
import { prepareProgram } from '../vm/prepared-program.js';
import type { Instruction, Program } from '../vm/program.js';
import { asyncRate, bestOf, formatRate, printRow, roundsDefault, syncRate } from './measure.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 1);
const iterations = 100_000;
const int64Max = 2n ** 63n - 1n;

const i = (op: string, ...immediates: (number | bigint)[]): Instruction => ({ op, immediates }) as Instruction;
const emptyBlock = 0x40;

/** sum = 0; for (i = 0; i < n; i++) sum += i; emit sum — with the given add, compare and constants. */
function sumLoop(kind: 'i64' | 'i32' | 'sql'): Program {
  const numeric = kind === 'sql' ? 'i64' : kind;
  const constant = (value: number) => (numeric === 'i64' ? i('i64.const', BigInt(value)) : i('i32.const', value));
  const add = kind === 'sql' ? [i('sql.add')] : [i(`${numeric}.add`)];
  const sumInit = kind === 'sql' ? [i('const', 0)] : [constant(0)];
  const emitSum = kind === 'sql' ? [] : [i(kind === 'i64' ? 'sql.from_i64' : 'sql.from_i32')];
  const code: Instruction[] = [
    ...sumInit, i('local.set', 1),
    i('block', emptyBlock),
    i('loop', emptyBlock),
    i('local.get', 0), constant(iterations), i(`${numeric}.ge_s`), i('br_if', 1),
    i('local.get', 1), i('local.get', 0), ...(kind === 'sql' ? [i('sql.from_i64')] : []), ...add, i('local.set', 1),
    i('local.get', 0), constant(1), i(`${numeric}.add`), i('local.set', 0),
    i('br', 0),
    i('end'),
    i('end'),
    i('row.new', 1), i('local.get', 1), ...emitSum, i('row.set', 0), i('row.emit'),
    i('end'),
  ];
  return {
    paramCount: 0,
    locals: [numeric, kind === 'sql' ? 'sql' : numeric],
    constants: [{ kind: 'sql', value: 0n }],
    code,
    comments: {},
  };
}

const plain = {
  i64(): bigint {
    let sum = 0n;
    for (let index = 0n; index < BigInt(iterations); index = BigInt.asIntN(64, index + 1n)) sum = BigInt.asIntN(64, sum + index);
    return sum;
  },
  sql(): bigint {
    let sum: bigint | null = 0n;
    for (let index = 0n; index < BigInt(iterations); index = BigInt.asIntN(64, index + 1n)) {
      if (sum === null) continue;
      const next: bigint = sum + index;
      if (next > int64Max || next < -int64Max - 1n) throw new Error('bigint out of range');
      sum = next;
    }
    return sum as bigint;
  },
  i32(): number {
    let sum = 0;
    for (let index = 0; index < iterations; index = (index + 1) | 0) sum = (sum + index) | 0;
    return sum;
  },
};

const directory = mkdtempSync(join(tmpdir(), 'dmachine-bench-vm-'));
const memory = LocalMemory.open(directory);
try {
  for (const kind of ['i64', 'sql', 'i32'] as const) {
    const prepared = prepareProgram(sumLoop(kind));
    const expected = String(plain[kind]());
    const jsRate = await bestOf(roundsDefault, () => syncRate(() => void plain[kind](), 1, seconds));
    printRow(`${kind} sum of ${iterations}: plain JS`, `${formatRate(jsRate)} runs`);
    for (const engine of ['compiled', 'interpreter'] as const satisfies readonly EngineName[]) {
      const runner = programRunner(prepared, engine);
      const check = await runner.run({ memory, account: 'bench' });
      if (String(check.rows[0]![0]) !== expected) throw new Error(`${kind}: VM computed ${check.rows[0]![0]}, JavaScript ${expected}`);
      const vmRate = await bestOf(roundsDefault, () => asyncRate(async () => void (await runner.run({ memory, account: 'bench' })), 1, seconds));
      const slowdown = jsRate / vmRate;
      const verdict = slowdown <= 10 ? '(target <= 10x: met)' : '(target <= 10x: MISSED)';
      printRow(`${kind} sum, ${engine}`, `${formatRate(vmRate)} runs`, `${formatRate(vmRate * check.stats.instructions)} instructions`);
      printRow(`${kind} sum, ${engine}: time / plain JS time`, `${slowdown.toFixed(1)}x`, verdict);
    }
  }
} finally {
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
}
