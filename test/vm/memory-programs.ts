/**
 * Programs over the global memory that more than one engine's tests run.
 */
import type { Program } from '../../vm/program.js';
import { op, program } from './program-literals.js';

/**
 * Writes the row ['Alice'] at acme/users/rnd/alice, loads it, compares it,
 * tries a COMPARE&SWAP from absent (which fails and reports the current word),
 * deletes it and loads again. Emits ['Alice'], [true], ['Alice'], [false], [true].
 * Locals: $0 ptr, $1 bytes, $2 sql.
 */
// prettier-ignore
export const wordLifecycle: Program = program(
  [
    op('const', 0), op('ptr.make', 1, 0), op('local.set', 0),
    op('local.get', 0), op('row.new', 1), op('const', 2), op('row.set', 0), op('row.encode'), op('mem.write'),
    op('local.get', 0), op('mem.load'), op('local.tee', 1), op('row.decode', 1), op('row.emit'),
    op('local.get', 0), op('local.get', 1), op('mem.compare'), op('sql.from_bool'), op('local.set', 2),
    op('row.new', 1), op('local.get', 2), op('row.set', 0), op('row.emit'),
    // CAS from absent fails and reports the current value
    op('local.get', 0), op('bytes.null'), op('bytes.null'), op('mem.cas'), op('row.decode', 1), op('row.emit'),
    op('sql.from_bool'), op('local.set', 2), op('row.new', 1), op('local.get', 2), op('row.set', 0), op('row.emit'),
    op('local.get', 0), op('mem.delete'), op('drop'),
    op('local.get', 0), op('mem.load'), op('bytes.is_null'), op('sql.from_bool'), op('local.set', 2),
    op('row.new', 1), op('local.get', 2), op('row.set', 0), op('row.emit'),
  ],
  { locals: ['ptr', 'bytes', 'sql'], constants: [{ kind: 'sql', value: 'alice' }, { kind: 'name', value: 'users' }, { kind: 'sql', value: 'Alice' }] },
);
