/**
 * Walking a queue's messages in bytecode (docs/queues.md): finding the batch that
 * holds message m, stepping to the next batch when m passes the end of one, and
 * reading a message's body from its batch word when the batch is staged, else from its
 * batch's lnr record, read once per batch.
 *
 *     find:   const 'b' ptr.make #q  sql.null  <m>  i32.const 1
 *             mem.scan_range reverse, upper bound m inclusive      ; the batch starting at or before m
 *             scan.next  i32.eqz  br_if none   scan.value  <batch fields>
 *     cover:  loop  m < start + count  br_if covered
 *                   start += count  LOAD b/<start>  bytes.is_null br_if end  <batch fields>  br loop
 *     body:   start ≠ in hand?  record < 0:  bodies := the batch row, offset 4  (staged)
 *                                else:        lnr.read #q record  row.decode_all  local.set bodies, offset 0
 *             local.get bodies  offset + m - start  row.get_at
 */
import type { Label, ProgramBuilder } from './program-builder.js';
import { batchHeaderWidth, type BatchLocals, type QueueWords } from './queue-words.js';

/** mem.scan_range flags: an upper bound, inclusive, scanned in reverse. */
const atOrBeforeFlags = 4 | 8 | 16;

export class MessageWalk {
  readonly batch: BatchLocals;
  private readonly bodies: number;
  /** The start of the batch whose bodies are in `bodies`, and where in that row they begin. */
  private readonly bodiesBatch: number;
  private readonly bodiesOffset: number;

  constructor(
    private readonly b: ProgramBuilder,
    private readonly words: QueueWords,
  ) {
    this.batch = { row: b.local('row'), start: b.local('i64'), count: b.local('i64'), enqueuedAt: b.local('sql'), record: b.local('i64') };
    this.bodies = b.local('row');
    this.bodiesBatch = b.local('i64');
    this.bodiesOffset = b.local('i64');
    // No bodies are in hand yet: -1 is no batch start, and empty rows keep the locals initialized.
    b.emit('i64.const', -1n);
    b.emit('local.set', this.bodiesBatch);
    b.emit('i64.const', 0n);
    b.emit('local.set', this.bodiesOffset);
    for (const row of [this.bodies, this.batch.row]) {
      b.emit('row.new', 0);
      b.emit('local.set', row);
    }
  }

  /** The batch whose range starts at or before message `m` (an i64 local) into the batch locals; none: branch to `none`. */
  emitFind(m: number, none: Label): void {
    const b = this.b;
    const scan = b.local('scan');
    b.emit('const', b.sqlConstant('b'));
    b.emit('ptr.make', this.words.resource, 0);
    b.emit('sql.null');
    b.emit('local.get', m);
    b.emit('sql.from_i64');
    b.emit('i32.const', 1);
    b.emit('mem.scan_range', atOrBeforeFlags);
    b.comment(`SCAN ${this.words.key('b')} [start <= m] reverse, 1 word: the batch of m`);
    b.emit('local.tee', scan);
    b.emit('scan.next');
    b.emit('i32.eqz');
    b.brIf(none);
    b.comment('no batch yet');
    b.emit('local.get', scan);
    b.emit('scan.value');
    this.words.emitBatchFields(this.batch);
  }

  /** Moves the batch forward until it holds message `m`; past the last batch, branch to `end`. */
  emitCover(m: number, end: Label): void {
    const b = this.b;
    const { start, count } = this.batch;
    const word = b.local('bytes');
    const covered = b.block();
    const next = b.loop();
    b.comment('until the batch holds m');
    b.emit('local.get', m);
    b.emit('local.get', start);
    b.emit('local.get', count);
    b.emit('i64.add');
    b.emit('i64.lt_s');
    b.brIf(covered);
    b.emit('local.get', start);
    b.emit('local.get', count);
    b.emit('i64.add');
    b.emit('local.set', start);
    this.words.emitSequenceAddress('b', start, '<start + count>');
    b.emit('mem.load');
    b.comment('LOAD the next batch');
    b.emit('local.tee', word);
    b.emit('bytes.is_null');
    b.brIf(end);
    b.comment('no more batches: the end of the queue');
    b.emit('local.get', word);
    this.words.emitBatchFields(this.batch);
    b.br(next);
    b.end(next);
    b.end(covered);
  }

  /**
   * Pushes the body of message `m` (in the current batch): from the batch word when the batch is
   * staged, else from the batch's record, read when it is not the one in hand.
   */
  emitBody(m: number): void {
    const b = this.b;
    const { start, record } = this.batch;
    b.emit('local.get', start);
    b.emit('local.get', this.bodiesBatch);
    b.emit('i64.ne');
    const load = b.ifThen();
    b.comment("this batch's bodies are not in hand");
    b.emit('local.get', start);
    b.emit('local.set', this.bodiesBatch);
    b.emit('local.get', record);
    b.emit('i64.const', 0n);
    b.emit('i64.lt_s');
    const staged = b.ifThen();
    b.comment('staged: the bodies follow the header in the batch word');
    b.emit('local.get', this.batch.row);
    b.emit('local.set', this.bodies);
    b.emit('i64.const', BigInt(batchHeaderWidth));
    b.emit('local.set', this.bodiesOffset);
    b.otherwise(staged);
    b.emit('local.get', record);
    b.emit('lnr.read', this.words.resource);
    b.comment(`READ RECORD of ${this.words.queue.name}'s log`);
    const recordBytes = b.local('bytes');
    b.emit('local.tee', recordBytes);
    b.emit('bytes.is_null');
    const missing = b.ifThen();
    b.emit('error.raise', b.nameConstant('XX001'), b.nameConstant(`a batch of queue "${this.words.queue.name}" names a record its log does not hold`));
    b.end(missing);
    b.emit('local.get', recordBytes);
    b.emit('row.decode_all');
    b.emit('local.set', this.bodies);
    b.emit('i64.const', 0n);
    b.emit('local.set', this.bodiesOffset);
    b.end(staged);
    b.end(load);
    b.emit('local.get', this.bodies);
    b.emit('local.get', this.bodiesOffset);
    b.emit('local.get', m);
    b.emit('i64.add');
    b.emit('local.get', start);
    b.emit('i64.sub');
    b.emit('i32.wrap_i64');
    b.emit('row.get_at');
    b.comment('body');
  }
}
