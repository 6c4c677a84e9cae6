/**
 * The words of one queue as programs address and encode them (docs/queues.md,
 * "Words"), so that every queue statement's compiler speaks of them one way:
 *
 *     account/q/rnd/head      [next int8]                          hint
 *     account/q/rnd/retention [next int8]                          when retention runs next
 *     account/q/rnd/b/<s>     [start, count int8, enqueued_at, record int8, body 1 .. body k]   batch
 *                             (bodies staged in the word, record -1; or none, in lnr record `record`)
 *     account/q/rnd/c/<m>     [id int8, state text]                         claim (kept)
 *     account/q/rnd/l/<m>     [id int8, until timestamptz, read_count int8] lease (while in flight)
 *
 * Each value is a row (vm/row-codec.ts), so programs build and read them with
 * row.new / row.set / row.encode / row.decode like table rows.
 */
import { escapeComponent } from '../store/key.js';
import type { ProgramBuilder } from './program-builder.js';
import type { QueueDefinition } from './queue-definition.js';

export const batchFields = { start: 0, count: 1, enqueuedAt: 2, record: 3 } as const;
/** The fields before a staged batch's bodies. */
export const batchHeaderWidth = 4;
/** The record field of a batch whose bodies are staged in its word, not in the log. */
export const stagedRecord = -1n;
/** A batch of at most this many messages whose bodies add up to at most the queue's staged_bytes_max is staged. */
export const stagedMessagesMax = 16;
export const claimFields = { id: 0, state: 1 } as const;
export const claimWidth = 2;
export const leaseFields = { id: 0, until: 1, readCount: 2 } as const;
export const leaseWidth = 3;

/** The queue's counters: hints and schedules, never the arbiter of anything. */
type Counter = 'head' | 'retention';

/** Claim states: dequeued and acknowledged are final; 'L' went to READ and is in flight until acknowledged. */
export const ClaimState = { dequeued: 'D', leased: 'L', acknowledged: 'A' } as const;
export type ClaimStateCode = (typeof ClaimState)[keyof typeof ClaimState];

/** The batch fields a take loop keeps in locals; `row` is the whole decoded word (a staged batch's bodies follow the header). */
export interface BatchLocals {
  readonly row: number;
  readonly start: number;
  readonly count: number;
  readonly enqueuedAt: number;
  readonly record: number;
}

export class QueueWords {
  readonly resource: number;

  constructor(
    private readonly b: ProgramBuilder,
    readonly queue: QueueDefinition,
    private readonly account: string,
  ) {
    this.resource = b.nameConstant(queue.name);
  }

  /** `account/q/rnd/<name>...` for listing comments. */
  key(...parts: string[]): string {
    return [escapeComponent(this.account), escapeComponent(this.queue.name), 'rnd', ...parts].join('/');
  }

  /** Pushes the address of the head or retention word. */
  emitCounterAddress(name: Counter): void {
    this.b.emit('const', this.b.sqlConstant(name));
    this.b.emit('ptr.make', this.resource, 0);
    this.b.comment(this.key(name));
  }

  /** Pushes the address of batch word b/<s>, claim word c/<m> or lease word l/<m>, the sequence number in an i64 local. */
  emitSequenceAddress(prefix: 'b' | 'c' | 'l', sequence: number, shown: string): void {
    this.b.emit('const', this.b.sqlConstant(prefix));
    this.b.emit('local.get', sequence);
    this.b.emit('sql.from_i64');
    this.b.emit('ptr.make_sorted', this.resource, 0);
    this.b.comment(this.key(prefix, shown));
  }

  /**
   * SCAN of the b/, c/ or l/ words in sequence order, from the i64 in `from` (inclusive) and/or
   * below the i64 in `below`; the scan into a new local, returned.
   */
  emitScan(prefix: 'b' | 'c' | 'l', bounds: { from?: number; below?: number }, what: string): number {
    const b = this.b;
    const scan = b.local('scan');
    b.emit('const', b.sqlConstant(prefix));
    b.emit('ptr.make', this.resource, 0);
    for (const bound of [bounds.from, bounds.below]) {
      if (bound === undefined) b.emit('sql.null');
      else {
        b.emit('local.get', bound);
        b.emit('sql.from_i64');
      }
    }
    b.emit('i32.const', 0);
    b.emit('mem.scan_range', (bounds.from === undefined ? 0 : 1 | 2) | (bounds.below === undefined ? 0 : 4));
    b.comment(`SCAN ${this.key(prefix)}: ${what}`);
    b.emit('local.set', scan);
    return scan;
  }

  /**
   * The last b/ or c/ word (a reverse SCAN with limit 1) into an i64: `found` gets its value
   * decoded on the stack, `none` runs when there is no such word; each leaves the i64. Batch
   * and claim words are never deleted, so the last one marks where the queue's published or
   * claimed messages end.
   */
  emitLast(prefix: 'b' | 'c', what: string, found: () => void, none: () => void): void {
    const b = this.b;
    const scan = b.local('scan');
    b.emit('const', b.sqlConstant(prefix));
    b.emit('ptr.make', this.resource, 0);
    b.emit('sql.null');
    b.emit('sql.null');
    b.emit('i32.const', 1);
    b.emit('mem.scan_range', 16);
    b.comment(`SCAN ${this.key(prefix)} backwards, limit 1: ${what}`);
    b.emit('local.tee', scan);
    b.emit('scan.next');
    const last = b.ifThen('i64');
    b.emit('local.get', scan);
    b.emit('scan.value');
    if (prefix === 'b') b.emit('row.decode_all'); // a staged batch has its bodies after the header
    else b.emit('row.decode', claimWidth);
    found();
    b.otherwise(last);
    none();
    b.end(last);
  }

  /** LOAD of a counter: its word into `word` (for the CAS that moves it), its value (0 when absent) into `value`. */
  emitLoadCounter(name: Counter, word: number, value: number): void {
    const b = this.b;
    this.emitCounterAddress(name);
    b.emit('mem.load');
    b.comment(`LOAD ${name}`);
    b.emit('local.tee', word);
    b.emit('bytes.is_null');
    const absent = b.ifThen('i64');
    b.emit('i64.const', 0n);
    b.comment('no word yet: 0');
    b.otherwise(absent);
    b.emit('local.get', word);
    b.emit('row.decode', 1);
    b.emit('row.get', 0);
    b.emit('sql.to_i64');
    b.end(absent);
    b.emit('local.set', value);
  }

  /**
   * Moves a counter forward to the i64 in `next` with one COMPARE&SWAP from the word
   * last loaded; losing the race is fine (it is a hint). Leaves the i32 "applied".
   */
  emitAdvanceCounter(name: Counter, word: number, next: number): void {
    const b = this.b;
    this.emitCounterAddress(name);
    b.emit('local.get', word);
    b.emit('row.new', 1);
    b.emit('local.get', next);
    b.emit('sql.from_i64');
    b.emit('row.set', 0);
    b.emit('row.encode');
    b.emit('mem.cas');
    b.comment(`COMPARE&SWAP ${name} forward (a hint: a lost race is fine)`);
    b.emit('drop');
  }

  /** Decodes batch word bytes (on the stack) into the batch locals. */
  emitBatchFields(batch: BatchLocals): void {
    const b = this.b;
    const row = batch.row;
    b.emit('row.decode_all');
    b.emit('local.set', row);
    for (const [field, local, toI64] of [
      [batchFields.start, batch.start, true],
      [batchFields.count, batch.count, true],
      [batchFields.enqueuedAt, batch.enqueuedAt, false],
      [batchFields.record, batch.record, true],
    ] as const) {
      b.emit('local.get', row);
      b.emit('row.get', field);
      if (toI64) b.emit('sql.to_i64');
      b.emit('local.set', local);
    }
  }

  /** Sets the count k, the SQL enqueued_at local and the i64 record local into the batch row on the stack (kept). */
  emitBatchHeader(count: number, enqueuedAt: number, record: number): void {
    const b = this.b;
    b.emit('i64.const', BigInt(count));
    b.emit('sql.from_i64');
    b.emit('row.set', batchFields.count);
    b.emit('local.get', enqueuedAt);
    b.emit('row.set', batchFields.enqueuedAt);
    b.emit('local.get', record);
    b.emit('sql.from_i64');
    b.emit('row.set', batchFields.record);
  }

  /** Pushes the batch word bytes of the row local `batch` starting at the i64 local `start`. */
  emitBatchValue(batch: number, start: number): void {
    const b = this.b;
    b.emit('local.get', batch);
    b.emit('local.get', start);
    b.emit('sql.from_i64');
    b.emit('row.set', batchFields.start);
    b.emit('row.encode');
  }

  /** Pushes claim word bytes [id, state], the id in an i64 local. */
  emitClaimValue(id: number, state: ClaimStateCode): void {
    const b = this.b;
    b.emit('row.new', claimWidth);
    b.emit('local.get', id);
    b.emit('sql.from_i64');
    b.emit('row.set', claimFields.id);
    b.emit('const', b.sqlConstant(state));
    b.emit('row.set', claimFields.state);
    b.emit('row.encode');
    b.comment(`claim: ${state === ClaimState.dequeued ? 'dequeued' : state === ClaimState.leased ? 'read' : 'acknowledged'}`);
  }

  /** Pushes lease word bytes [id, until, read_count]: an i64 id local, a SQL until local, an i64 count local. */
  emitLeaseValue(id: number, until: number, readCount: number): void {
    const b = this.b;
    b.emit('row.new', leaseWidth);
    b.emit('local.get', id);
    b.emit('sql.from_i64');
    b.emit('row.set', leaseFields.id);
    b.emit('local.get', until);
    b.emit('row.set', leaseFields.until);
    b.emit('local.get', readCount);
    b.emit('sql.from_i64');
    b.emit('row.set', leaseFields.readCount);
    b.emit('row.encode');
    b.comment('lease: hidden until, read_count');
  }
}

/** `body` once per word of the scan in local `scan` (scan.next until 0). */
export function emitEachWord(b: ProgramBuilder, scan: number, body: () => void): void {
  const end = b.block();
  const each = b.loop();
  b.emit('local.get', scan);
  b.emit('scan.next');
  b.emit('i32.eqz');
  b.brIf(end);
  body();
  b.br(each);
  b.end(each);
  b.end(end);
}
