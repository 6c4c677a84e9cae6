/**
 * ENQUEUE, DEQUEUE, READ and ACK compiled to programs over a queue's words and
 * log (docs/queues.md). Each template's decisions are COMPARE&SWAPs from absent
 * (or from the exact value read): a batch word claims k sequence numbers, a claim
 * word claims one message.
 *
 * ENQUEUE INTO q VALUES (b1), ..., (bk) [RETURNING ...]:
 *
 *     row.new k  <bi, NOT NULL, at most body_bytes_max> row.set i ...  row.encode
 *     lnr.append #q  local.set record                         ; APPEND: the bodies, durable
 *     sql.now  local.set at     SCAN b/* backwards, limit 1 → s := its start + count (0 if none)
 *     block claimed  loop claim
 *       b/<s>  bytes.null  [s, k, at, record] row.encode  mem.cas   ; claim [s, s+k)
 *       local.set current  br_if claimed
 *       s += current.count  br claim                           ; taken: past that batch
 *     end end
 *     per message: [RETURNING]  result.add_count
 *
 * DEQUEUE FROM q [LIMIT n] and READ FROM q [LIMIT n] [VISIBILITY v]:
 *
 *     [READ: SCAN l/*: each lease whose time is up, while c/<m> still says 'L'
 *            → CAS to a new lease, read_count + 1, emit]
 *     LOAD head → h   SCAN c/* backwards, limit 1 → m := max(h, its id + 1)
 *     find the batch of m (else done)
 *     block done  loop take  block next
 *       cover m (else done)
 *       c/<m>  bytes.null  [m, 'D' | 'L']  mem.cas  drop  i32.eqz  br_if next   ; someone else's
 *       [READ: l/<m>  bytes.null  [m, now + v, 1]  mem.cas]                    ; its lease
 *       <emit (m, enqueued_at, body[, read_count])>  m += 1  taken += 1  taken = n → done
 *     end  m += 1  br take  end end
 *     m > h: COMPARE&SWAP head forward to m (a hint)
 *
 * Claim words are never deleted: a consumer still walking from an older head may try any
 * message above it, and only the claim word's presence stops it (docs/queues.md, "Claims").
 */
import type * as ast from '../parser/ast.js';
import type { TableDefinition } from './catalog-definition.js';
import { emptyScope, ExpressionBinder, ParameterTypes, type BoundExpression } from './expressions.js';
import type { CompiledTableStatement, TableCompileOptions } from './insert.js';
import { ProgramBuilder, type Label } from './program-builder.js';
import { bindTargets, emitProjection, type BoundTarget } from './projection.js';
import type { QueueDefinition } from './queue-definition.js';
import { MessageWalk } from './queue-messages.js';
import { bindBigint, emitNonNegative } from './select-limit.js';
import { batchFields, batchHeaderWidth, claimFields, claimWidth, ClaimState, emitEachWord, leaseFields, leaseWidth, QueueWords, stagedMessagesMax, stagedRecord } from './queue-words.js';
import { fieldsOf, type CompiledField } from './select-without-from.js';
import { ErrorLocator, typeOids } from './sql-types.js';
import { assignToColumn, emitCatalogCheck, TableRowScope } from './table-scope.js';

/** The columns of a message as DEQUEUE, READ, peeks and RETURNING see them. */
const messageColumns = [
  { name: 'id', type: 'int8' as const, notNull: true },
  { name: 'enqueued_at', type: 'timestamptz' as const, notNull: true },
  { name: 'body', type: 'text' as const, notNull: true },
  { name: 'read_count', type: 'int8' as const, notNull: true },
];

/** The message row of a queue as a table shape, so RETURNING and peeks bind against it as against a table's row. */
export function messageTable(queue: QueueDefinition, withReadCount: boolean): TableDefinition {
  return {
    kind: 'table',
    name: queue.name,
    id: queue.id,
    version: queue.version,
    columns: withReadCount ? messageColumns : messageColumns.slice(0, 3),
    primaryKey: { hashColumn: 0 },
    state: 'ready',
  };
}

function fields(names: readonly string[]): CompiledField[] {
  return names.map((name) => {
    const column = messageColumns.find((candidate) => candidate.name === name)!;
    return { name, type: column.type, typeOid: typeOids[column.type] };
  });
}

// --- ENQUEUE --------------------------------------------------------------------

export function compileEnqueue(statement: ast.EnqueueStatement, queue: QueueDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  const parameters = new ParameterTypes(options.declaredParameterTypes);
  const valuesBinder = new ExpressionBinder(emptyScope(errors), parameters, errors, 'in VALUES');
  const bodies = statement.bodies.map((body) => assignToColumn(valuesBinder.bind(body), { name: 'body', type: 'text' }, errors));
  const messageRow = 0;
  const scope = new TableRowScope(messageTable(queue, false), queue.name, messageRow, errors);
  const returning = statement.returning === null ? null : bindTargets(statement.returning, scope, new ExpressionBinder(scope, parameters, errors), errors);
  const parameterTypes = parameters.final();

  const b = new ProgramBuilder(parameterTypes.length);
  b.local('row');
  emitCatalogCheck(b, queue, options.account);
  const words = new QueueWords(b, queue, options.account);
  const [record, at, start, current] = [b.local('i64'), b.local('sql'), b.local('i64'), b.local('bytes')];
  const [bodyRow, batchRow, batchPointer] = [b.local('row'), b.local('row'), b.local('ptr')];
  const k = bodies.length;

  b.emit('row.new', k);
  b.comment(`the ${k} bodies`);
  bodies.forEach((body, index) => {
    body.emit(b);
    b.emit('row.set', index);
    b.comment(`body ${index + 1}`);
  });
  b.emit('local.set', bodyRow);
  const bodyBytes = emitCheckBodies(b, bodyRow, k, queue);
  b.emit('sql.now');
  b.emit('local.set', at);
  emitBodiesPlaced(b, words, { bodyRow, bodyBytes, batchRow, record }, k);
  b.emit('local.get', batchRow);
  words.emitBatchHeader(k, at, record);
  b.emit('drop');
  emitEndOfLastBatch(b, words, start);

  const claimed = b.block();
  const claim = b.loop();
  b.comment(`claim [s, s+${k}) with one COMPARE&SWAP from absent`);
  words.emitSequenceAddress('b', start, 's');
  b.emit('local.tee', batchPointer);
  b.emit('mem.load');
  b.emit('local.tee', current);
  b.emit('bytes.is_null');
  const absent = b.ifThen();
  b.comment('free as far as a LOAD sees (batch words stay): try to claim it');
  b.emit('local.get', batchPointer);
  b.emit('bytes.null');
  words.emitBatchValue(batchRow, start);
  b.emit('mem.cas');
  b.comment('COMPARE&SWAP from absent: the batch word');
  b.emit('local.set', current);
  b.brIf(claimed);
  b.comment('[s, s+k) is ours');
  b.end(absent);
  b.emit('local.get', current);
  b.emit('row.decode_all');
  b.emit('row.get', batchFields.count);
  b.emit('sql.to_i64');
  b.emit('local.get', start);
  b.emit('i64.add');
  b.emit('local.set', start);
  b.comment("another producer's batch: past it");
  b.br(claim);
  b.end(claim);
  b.end(claimed);


  if (returning !== null) emitReturning(b, returning, { bodyRow, start, at, messageRow }, k);
  b.emit('i32.const', k);
  b.emit('result.add_count');
  return { program: b.finish(), fields: fieldsOf(returning ?? []), parameterTypes, commandTag: 'ENQUEUE' };
}

/**
 * Where the bodies go (docs/queues.md, "Staging"): a batch of at most stagedMessagesMax whose
 * bodies add up to at most the queue's staged_bytes_max is staged in its batch word, after the header
 * (record -1: one durable write, the batch word's, and nothing to read back from the log);
 * any other batch is one lnr record, appended (durable) before its batch word is claimed.
 * Leaves the batch row, header unset, in `batchRow` and the record in `record`.
 */
function emitBodiesPlaced(
  b: ProgramBuilder,
  words: QueueWords,
  locals: { bodyRow: number; bodyBytes: number; batchRow: number; record: number },
  k: number,
): void {
  const append = () => {
    b.emit('local.get', locals.bodyRow);
    b.emit('row.encode');
    b.emit('lnr.append', words.resource);
    b.comment(`APPEND to ${words.queue.name}'s log: the bodies are durable`);
    b.emit('local.set', locals.record);
    b.emit('row.new', batchHeaderWidth);
    b.emit('local.set', locals.batchRow);
  };
  const stagedBytesMax = words.queue.settings.stagedBytesMax;
  if (k > stagedMessagesMax || stagedBytesMax === 0) return append();
  // Both branches set these; the validator's definite-assignment check does not follow if/else.
  b.emit('row.new', 0);
  b.emit('local.set', locals.batchRow);
  b.emit('i64.const', 0n);
  b.emit('local.set', locals.record);
  b.emit('local.get', locals.bodyBytes);
  b.emit('i64.const', BigInt(stagedBytesMax));
  b.emit('i64.le_s');
  const staged = b.ifThen();
  b.comment(`at most ${stagedBytesMax} bytes of bodies: staged in the batch word`);
  b.emit('i64.const', stagedRecord);
  b.emit('local.set', locals.record);
  b.emit('row.new', batchHeaderWidth + k);
  for (let index = 0; index < k; index++) {
    b.emit('local.get', locals.bodyRow);
    b.emit('row.get', index);
    b.emit('row.set', batchHeaderWidth + index);
  }
  b.emit('local.set', locals.batchRow);
  b.otherwise(staged);
  append();
  b.end(staged);
}

/**
 * Every body of the row in `bodyRow` is not NULL (23502) and at most the queue's
 * body_bytes_max (54000): one loop over the fields, so a statement of 1,000 bodies stays
 * a small program (the compiled tier takes programs up to vm/engine.ts's bound). Returns
 * an i64 local with the bodies' total bytes.
 */
function emitCheckBodies(b: ProgramBuilder, bodyRow: number, k: number, queue: QueueDefinition): number {
  const [index, value, length, total] = [b.local('i32'), b.local('sql'), b.local('i64'), b.local('i64')];
  b.emit('i64.const', 0n);
  b.emit('local.set', total);
  emitEachIndex(b, index, k, 'each body', () => {
    b.emit('local.get', bodyRow);
    b.emit('local.get', index);
    b.emit('row.get_at');
    b.emit('local.tee', value);
    b.emit('sql.is_null');
    const isNull = b.ifThen();
    b.emit('error.raise', b.nameConstant('23502'), b.nameConstant(`null value in column "body" of queue "${queue.name}" violates not-null constraint`));
    b.end(isNull);
    b.emit('local.get', value);
    b.emit('sql.octet_length');
    b.emit('sql.to_i64');
    b.emit('local.tee', length);
    b.emit('i64.const', BigInt(queue.settings.bodyBytesMax));
    b.emit('i64.gt_s');
    const tooLong = b.ifThen();
    b.emit('error.raise', b.nameConstant('54000'), b.nameConstant(`a message body of queue "${queue.name}" is over body_bytes_max, ${queue.settings.bodyBytesMax} bytes`));
    b.end(tooLong);
    b.emit('local.get', total);
    b.emit('local.get', length);
    b.emit('i64.add');
    b.emit('local.set', total);
  });
  return total;
}

/** RETURNING over each message [start + i, at, body i], in one loop. */
function emitReturning(b: ProgramBuilder, returning: readonly BoundTarget[], locals: { bodyRow: number; start: number; at: number; messageRow: number }, k: number): void {
  const index = b.local('i32');
  emitEachIndex(b, index, k, 'RETURNING each message', () => {
    b.emit('row.new', 3);
    b.emit('local.get', locals.start);
    b.emit('local.get', index);
    b.emit('i64.extend_i32_s');
    b.emit('i64.add');
    b.emit('sql.from_i64');
    b.emit('row.set', 0);
    b.emit('local.get', locals.at);
    b.emit('row.set', 1);
    b.emit('local.get', locals.bodyRow);
    b.emit('local.get', index);
    b.emit('row.get_at');
    b.emit('row.set', 2);
    b.emit('local.set', locals.messageRow);
    emitProjection(b, returning, 'RETURNING');
  });
}

/** `body` for index = 0 .. count - 1 (an i32 local). */
function emitEachIndex(b: ProgramBuilder, index: number, count: number, what: string, body: () => void): void {
  b.emit('i32.const', 0);
  b.emit('local.set', index);
  const done = b.block();
  const each = b.loop();
  b.comment(what);
  b.emit('local.get', index);
  b.emit('i32.const', count);
  b.emit('i32.ge_s');
  b.brIf(done);
  body();
  b.emit('local.get', index);
  b.emit('i32.const', 1);
  b.emit('i32.add');
  b.emit('local.set', index);
  b.br(each);
  b.end(each);
  b.end(done);
}

// --- DEQUEUE and READ ---------------------------------------------------------------

export function compileTake(statement: ast.DequeueStatement | ast.ReadStatement, queue: QueueDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  const parameters = new ParameterTypes(options.declaredParameterTypes);
  const binder = new ExpressionBinder(emptyScope(errors), parameters, errors, 'here');
  const reading = statement.kind === 'ReadStatement';
  const verb = reading ? 'READ' : 'DEQUEUE';
  const limit = statement.limit === null ? undefined : bindBigint(binder, statement.limit, `LIMIT of ${verb}`, errors);
  const visibility = reading && statement.visibility !== null ? bindBigint(binder, statement.visibility, 'VISIBILITY', errors) : undefined;
  const parameterTypes = parameters.final();

  const b = new ProgramBuilder(parameterTypes.length);
  emitCatalogCheck(b, queue, options.account);
  const words = new QueueWords(b, queue, options.account);
  const [taken, count, now, until] = [b.local('i64'), b.local('i64'), b.local('sql'), b.local('sql')];
  const done = b.block();
  emitCount(b, limit, 1n, count, `LIMIT of ${verb}`, '2201W');
  b.emit('local.get', count);
  b.emit('i64.eqz');
  b.brIf(done);
  b.comment('LIMIT 0: nothing');
  b.emit('sql.now');
  b.emit('local.set', now);
  if (reading) emitLeaseTime(b, visibility, queue, now, until);
  const walk = new MessageWalk(b, words);
  const firstRead = reading ? one(b) : undefined;
  if (reading) emitExpiredLeases(b, words, walk, { taken, count, now, until, done });

  const [headWord, h, m, claimPointer] = [b.local('bytes'), b.local('i64'), b.local('i64'), b.local('ptr')];
  words.emitLoadCounter('head', headWord, h);
  emitAfterLastClaim(b, words, h, m);
  const walked = b.block();
  walk.emitFind(m, walked);
  const take = b.loop();
  b.comment('each message from head on');
  const next = b.block();
  walk.emitCover(m, walked);
  words.emitSequenceAddress('c', m, 'm');
  b.emit('local.tee', claimPointer);
  b.emit('mem.load');
  b.emit('bytes.is_null');
  b.emit('i32.eqz');
  b.brIf(next);
  b.comment('claimed already: a LOAD is cheaper than a COMPARE&SWAP that fails (claims stay)');
  b.emit('local.get', claimPointer);
  b.emit('bytes.null');
  words.emitClaimValue(m, reading ? ClaimState.leased : ClaimState.dequeued);
  b.emit('mem.cas');
  b.comment('COMPARE&SWAP from absent: the message is ours');
  b.emit('drop');
  b.emit('i32.eqz');
  b.brIf(next);
  b.comment('claimed by another consumer');
  if (firstRead !== undefined) {
    words.emitSequenceAddress('l', m, 'm');
    b.emit('bytes.null');
    words.emitLeaseValue(m, until, firstRead);
    b.emit('mem.cas');
    b.comment('its lease (the claim made us its only writer)');
    b.emit('drop');
    b.emit('drop');
  }
  emitMessageRow(b, m, walk, firstRead);
  increment(b, m);
  emitCountTaken(b, taken, count, walked);
  b.br(take);
  b.end(next);
  increment(b, m);
  b.br(take);
  b.end(take);
  b.end(walked);
  emitCrossed(b, h, m, hintIntervalMessages);
  const moved = b.ifThen();
  b.comment(`head crossed a multiple of ${hintIntervalMessages}: move the hint`);
  words.emitAdvanceCounter('head', headWord, m);
  b.emit('drop');
  emitRetention(b, words, walk, m);
  b.end(moved);
  b.end(done);
  const names = reading ? ['id', 'enqueued_at', 'body', 'read_count'] : ['id', 'enqueued_at', 'body'];
  return { program: b.finish(), fields: fields(names), parameterTypes, commandTag: verb };
}

/** An i64 local holding 1 (read_count of a first lease), made once per program. */
function one(b: ProgramBuilder): number {
  const local = b.local('i64');
  b.emit('i64.const', 1n);
  b.emit('local.set', local);
  return local;
}

function increment(b: ProgramBuilder, local: number): void {
  b.emit('local.get', local);
  b.emit('i64.const', 1n);
  b.emit('i64.add');
  b.emit('local.set', local);
}

/** After a message was emitted: count it; at the LIMIT, branch to `done`. */
function emitCountTaken(b: ProgramBuilder, taken: number, count: number, done: Label): void {
  b.emit('i32.const', 1);
  b.emit('result.add_count');
  increment(b, taken);
  b.emit('local.get', taken);
  b.emit('local.get', count);
  b.emit('i64.eq');
  b.brIf(done);
  b.comment('LIMIT reached');
}

/** Emits (id, enqueued_at, body[, read_count]) of message `m` in the walk's current batch. */
function emitMessageRow(b: ProgramBuilder, m: number, walk: MessageWalk, readCount: number | undefined): void {
  b.emit('row.new', readCount === undefined ? 3 : 4);
  b.emit('local.get', m);
  b.emit('sql.from_i64');
  b.emit('row.set', 0);
  b.comment('id');
  b.emit('local.get', walk.batch.enqueuedAt);
  b.emit('row.set', 1);
  b.comment('enqueued_at');
  walk.emitBody(m);
  b.emit('row.set', 2);
  if (readCount !== undefined) {
    b.emit('local.get', readCount);
    b.emit('sql.from_i64');
    b.emit('row.set', 3);
    b.comment('read_count');
  }
  b.emit('row.emit');
}

/**
 * s := where the last published batch ends (0 for an empty queue): the next batch goes there,
 * and it sees the batches of other producers still committing, so racers rarely collide.
 */
function emitEndOfLastBatch(b: ProgramBuilder, words: QueueWords, start: number): void {
  const batch = b.local('row');
  words.emitLast(
    'b',
    'the last batch, where the next one goes',
    () => {
      b.emit('local.tee', batch);
      b.emit('row.get', batchFields.start);
      b.emit('sql.to_i64');
      b.emit('local.get', batch);
      b.emit('row.get', batchFields.count);
      b.emit('sql.to_i64');
      b.emit('i64.add');
    },
    () => {
      b.emit('i64.const', 0n);
      b.comment('no batch yet: 0');
    },
  );
  b.emit('local.set', start);
}

/**
 * m := the message after the last claim word, or head when that is further on. Consumers claim
 * the first unclaimed message from where they start and never skip one, so every message
 * below the last claim is claimed: starting there saves walking from the head hint.
 */
function emitAfterLastClaim(b: ProgramBuilder, words: QueueWords, h: number, m: number): void {
  words.emitLast(
    'c',
    'the last claimed message',
    () => {
      b.emit('row.get', claimFields.id);
      b.emit('sql.to_i64');
      b.emit('i64.const', 1n);
      b.emit('i64.add');
    },
    () => b.emit('local.get', h),
  );
  b.emit('local.set', m);
  emitPick(b, m, h, 'i64.gt_s');
  b.comment('not behind head');
  b.emit('local.set', m);
}

/** Pushes the i64 local `a` if `a <comparison> c` holds, else the i64 local `c`: with i64.gt_s the larger, with i64.lt_s the smaller. */
function emitPick(b: ProgramBuilder, a: number, c: number, comparison: 'i64.gt_s' | 'i64.lt_s'): void {
  for (const local of [a, c, a, c]) b.emit('local.get', local);
  b.emit(comparison);
  b.emit('select');
}

/**
 * The head hint moves when it crosses a multiple of this many messages, not on every
 * statement: a COMPARE&SWAP waits for a durable commit. (Takes start after the last claim,
 * so the hint serves peeks, depth and retention.)
 */
export const hintIntervalMessages = 32n;

/** Pushes i32 1 when the i64 locals `from` < `to` lie in different multiples of `interval`. */
function emitCrossed(b: ProgramBuilder, from: number, to: number, interval: bigint): void {
  for (const local of [from, to]) {
    b.emit('local.get', local);
    b.emit('i64.const', interval);
    b.emit('i64.div_s');
  }
  b.emit('i64.ne');
}

/** Retention runs at most once per this many messages taken. */
export const retentionIntervalMessages = 1024n;

/**
 * Retention (docs/queues.md): the lowest record any message still needs — of the batch
 * holding head and every later batch, and of every leased message's batch — bounds
 * lnr.trim. Records are appended before their batch is claimed, so record order is not
 * batch order: the bound is a minimum over all of them, a scan as long as the backlog. So
 * that its cost stays proportional to the messages taken, the retention word says when
 * it runs next: after a run that looked at n words, max(retentionIntervalMessages, n)
 * messages later.
 *
 *     LOAD retention → next;  m ≥ next:  lowest := max
 *       find the batch of m;  SCAN b/[start ..]: lowest := min(lowest, record)
 *       SCAN l/*: find each lease's batch: lowest := min(lowest, record)
 *       lowest < max:  lnr.trim #q lowest
 *       COMPARE&SWAP retention forward to m + max(N, words looked at)
 */
function emitRetention(b: ProgramBuilder, words: QueueWords, walk: MessageWalk, m: number): void {
  const [lowest, retentionWord, next, looked, interval] = [b.local('i64'), b.local('bytes'), b.local('i64'), b.local('i64'), b.local('i64')];
  words.emitLoadCounter('retention', retentionWord, next);
  b.emit('local.get', m);
  b.emit('local.get', next);
  b.emit('i64.ge_s');
  const due = b.ifThen();
  b.comment('retention is due');
  b.emit('i64.const', 2n ** 63n - 1n);
  b.emit('local.set', lowest);
  b.emit('i64.const', 0n);
  b.emit('local.set', looked);
  const candidate = b.local('i64');
  const lower = (record: () => void) => {
    increment(b, looked);
    record();
    b.emit('local.tee', candidate);
    b.emit('i64.const', 0n);
    b.emit('i64.ge_s');
    const inLog = b.ifThen();
    b.comment('a staged batch (record -1) needs no record');
    emitPick(b, lowest, candidate, 'i64.lt_s');
    b.emit('local.set', lowest);
    b.end(inLog);
  };
  const batches = b.block();
  walk.emitFind(m, batches);
  const scan = words.emitScan('b', { from: walk.batch.start }, 'from the batch of head on');
  emitEachWord(b, scan, () =>
    lower(() => {
      b.emit('local.get', scan);
      b.emit('scan.value');
      b.emit('row.decode_all');
      b.emit('row.get', batchFields.record);
      b.emit('sql.to_i64');
    }),
  );
  b.end(batches);
  const id = b.local('i64');
  const leases = words.emitScan('l', {}, 'leased messages keep their bodies');
  emitEachWord(b, leases, () => {
    const found = b.block();
    b.emit('local.get', leases);
    b.emit('scan.value');
    b.emit('row.decode', leaseWidth);
    b.emit('row.get', leaseFields.id);
    b.emit('sql.to_i64');
    b.emit('local.set', id);
    walk.emitFind(id, found);
    lower(() => b.emit('local.get', walk.batch.record));
    b.end(found);
  });
  b.emit('local.get', lowest);
  b.emit('i64.const', 2n ** 63n - 1n);
  b.emit('i64.lt_s');
  const bounded = b.ifThen();
  b.emit('local.get', lowest);
  b.emit('lnr.trim', words.resource);
  b.comment(`RETENTION of ${words.queue.name}'s log: whole segments before the lowest record still needed`);
  b.emit('drop');
  b.end(bounded);
  b.emit('i64.const', retentionIntervalMessages);
  b.emit('local.set', interval);
  b.emit('local.get', m);
  emitPick(b, looked, interval, 'i64.gt_s');
  b.emit('i64.add');
  b.emit('local.set', next);
  words.emitAdvanceCounter('retention', retentionWord, next);
  b.emit('drop');
  b.end(due);
}

interface LeaseLocals {
  readonly taken: number;
  readonly count: number;
  readonly now: number;
  readonly until: number;
  readonly done: Label;
}

/**
 * READ's first pass: every lease whose time is up is taken again by COMPARE&SWAP from the
 * exact value seen (so one READ renews it), read_count + 1, while its claim still says 'L';
 * a lease whose claim says otherwise (acknowledged by an ACK that stopped before deleting
 * the lease) is deleted instead.
 */
function emitExpiredLeases(b: ProgramBuilder, words: QueueWords, walk: MessageWalk, locals: LeaseLocals): void {
  const [lease, id, readCount, seen] = [b.local('row'), b.local('i64'), b.local('i64'), b.local('bytes')];
  const scan = words.emitScan('l', {}, 'the messages in flight');
  emitEachWord(b, scan, () => {
    const skip = b.block();
    b.emit('local.get', scan);
    b.emit('scan.value');
    b.emit('local.tee', seen);
    b.emit('row.decode', leaseWidth);
    b.emit('local.tee', lease);
    b.emit('row.get', leaseFields.until);
    b.emit('local.get', locals.now);
    b.emit('sql.gt');
    b.emit('sql.is_true');
    b.brIf(skip);
    b.comment('its time is not up');
    b.emit('local.get', lease);
    b.emit('row.get', leaseFields.id);
    b.emit('sql.to_i64');
    b.emit('local.set', id);
    emitClaimIs(b, words, id, ClaimState.leased);
    const stale = b.ifThen();
    b.comment('acknowledged meanwhile: the lease is left over');
    b.emit('local.get', scan);
    b.emit('scan.ptr');
    b.emit('local.get', seen);
    b.emit('bytes.null');
    b.emit('mem.cas');
    b.emit('drop');
    b.emit('drop');
    b.br(skip);
    b.end(stale);
    b.emit('local.get', lease);
    b.emit('row.get', leaseFields.readCount);
    b.emit('sql.to_i64');
    b.emit('i64.const', 1n);
    b.emit('i64.add');
    b.emit('local.set', readCount);
    b.emit('local.get', scan);
    b.emit('scan.ptr');
    b.emit('local.get', seen);
    words.emitLeaseValue(id, locals.until, readCount);
    b.emit('mem.cas');
    b.comment('COMPARE&SWAP from the expired lease seen: only one READ renews it');
    b.emit('drop');
    b.emit('i32.eqz');
    b.brIf(skip);
    walk.emitFind(id, skip);
    emitMessageRow(b, id, walk, readCount);
    emitCountTaken(b, locals.taken, locals.count, locals.done);
    b.end(skip);
  });
}

/** Pushes i32 1 unless claim word c/<id> holds `state` (absent counts as another state). */
function emitClaimIs(b: ProgramBuilder, words: QueueWords, id: number, state: string): void {
  const claim = b.local('bytes');
  words.emitSequenceAddress('c', id, 'id');
  b.emit('mem.load');
  b.comment('LOAD the claim');
  b.emit('local.tee', claim);
  b.emit('bytes.is_null');
  const absent = b.ifThen('i32');
  b.emit('i32.const', 1);
  b.otherwise(absent);
  b.emit('local.get', claim);
  b.emit('row.decode', claimWidth);
  b.emit('row.get', claimFields.state);
  b.emit('const', b.sqlConstant(state));
  b.emit('sql.ne');
  b.emit('sql.is_true');
  b.end(absent);
}

/** until := now + the lease's seconds (the statement's VISIBILITY, else the queue's setting); negative is 22023. */
function emitLeaseTime(b: ProgramBuilder, visibility: BoundExpression | undefined, queue: QueueDefinition, now: number, until: number): void {
  const seconds = b.local('i64');
  emitCount(b, visibility, BigInt(queue.settings.visibilitySeconds), seconds, 'VISIBILITY', '22023');
  b.emit('local.get', now);
  b.emit('time.micros');
  b.emit('local.get', seconds);
  b.emit('i64.const', 1_000_000n);
  b.emit('i64.mul');
  b.emit('i64.add');
  b.emit('time.from_micros');
  b.emit('local.set', until);
  b.comment('the lease runs until now + VISIBILITY seconds');
}

// --- ACK --------------------------------------------------------------------------

/**
 * ACK q id, ...: per id, LOAD its lease; one whose time is not up is acknowledged: its
 * claim 'L' → 'A' by COMPARE&SWAP (final: nothing hands the message out again), then the
 * lease deleted. Each id gets a row (id, status): 'acknowledged', 'expired' (another READ
 * may have it now) or 'not leased'.
 *
 *     LOAD l/<id>  absent: 'not leased'   until <= now: 'expired'
 *     CAS c/<id> [id, 'L'] → [id, 'A']  not applied: 'not leased'
 *     CAS l/<id> seen → null            ; the lease is done
 */
export function compileAck(statement: ast.AckStatement, queue: QueueDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  const parameters = new ParameterTypes(options.declaredParameterTypes);
  const binder = new ExpressionBinder(emptyScope(errors), parameters, errors, 'in ACK');
  const ids = statement.ids.map((id) => bindBigint(binder, id, 'a message id of ACK', errors));
  const parameterTypes = parameters.final();

  const b = new ProgramBuilder(parameterTypes.length);
  emitCatalogCheck(b, queue, options.account);
  const words = new QueueWords(b, queue, options.account);
  const [id, now, seen, status, leasePointer] = [b.local('i64'), b.local('sql'), b.local('bytes'), b.local('sql'), b.local('ptr')];
  b.emit('sql.now');
  b.emit('local.set', now);
  ids.forEach((bound, index) => {
    const decided = b.block();
    b.comment(`ACK id ${index + 1}`);
    emitId(b, bound, id);
    b.emit('const', b.sqlConstant('not leased'));
    b.emit('local.set', status);
    words.emitSequenceAddress('l', id, 'id');
    b.emit('local.tee', leasePointer);
    b.emit('mem.load');
    b.comment('LOAD the lease');
    b.emit('local.tee', seen);
    b.emit('bytes.is_null');
    b.brIf(decided);
    b.emit('const', b.sqlConstant('expired'));
    b.emit('local.set', status);
    b.emit('local.get', seen);
    b.emit('row.decode', leaseWidth);
    b.emit('row.get', leaseFields.until);
    b.emit('local.get', now);
    b.emit('sql.le');
    b.emit('sql.is_true');
    b.brIf(decided);
    b.comment("the lease ran out: the message may be another reader's now");
    b.emit('const', b.sqlConstant('not leased'));
    b.emit('local.set', status);
    words.emitSequenceAddress('c', id, 'id');
    words.emitClaimValue(id, ClaimState.leased);
    words.emitClaimValue(id, ClaimState.acknowledged);
    b.emit('mem.cas');
    b.comment("COMPARE&SWAP 'L' → 'A': acknowledged for good");
    b.emit('drop');
    b.emit('i32.eqz');
    b.brIf(decided);
    b.comment('acknowledged already');
    b.emit('local.get', leasePointer);
    b.emit('local.get', seen);
    b.emit('bytes.null');
    b.emit('mem.cas');
    b.comment('the lease is done: delete it');
    b.emit('drop');
    b.emit('drop');
    b.emit('const', b.sqlConstant('acknowledged'));
    b.emit('local.set', status);
    b.emit('i32.const', 1);
    b.emit('result.add_count');
    b.end(decided);
    b.emit('row.new', 2);
    b.emit('local.get', id);
    b.emit('sql.from_i64');
    b.emit('row.set', 0);
    b.emit('local.get', status);
    b.emit('row.set', 1);
    b.emit('row.emit');
  });
  const ackFields: CompiledField[] = [
    { name: 'id', type: 'int8', typeOid: typeOids.int8 },
    { name: 'status', type: 'text', typeOid: typeOids.text },
  ];
  return { program: b.finish(), fields: ackFields, parameterTypes, commandTag: 'ACK' };
}

// --- peek and depth ----------------------------------------------------------------

/**
 * SELECT <message columns> FROM q [LIMIT n]: the messages from head on that no consumer
 * holds (no claim, or a lease whose time is up), claiming nothing. SELECT count(*) FROM q:
 * the messages not yet done (leased ones count).
 */
export function compileQueueSelect(statement: ast.SelectStatement, queue: QueueDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  checkQueueSelect(statement, queue, errors);
  const parameters = new ParameterTypes(options.declaredParameterTypes);
  const messageRow = 0;
  const counting = isCountStar(statement);
  const scope = new TableRowScope(messageTable(queue, false), statement.from!.alias ?? queue.name, messageRow, errors);
  const targets = counting ? [] : bindTargets(statement.items, scope, new ExpressionBinder(scope, parameters, errors), errors);
  const limitBinder = new ExpressionBinder(emptyScope(errors), parameters, errors, 'in LIMIT');
  const limit = statement.limit === null ? undefined : bindBigint(limitBinder, statement.limit, 'LIMIT', errors);
  const parameterTypes = parameters.final();

  const b = new ProgramBuilder(parameterTypes.length);
  b.local('row');
  emitCatalogCheck(b, queue, options.account);
  const words = new QueueWords(b, queue, options.account);
  if (counting) {
    emitDepth(b, words);
    const name = (statement.items[0] as ast.SelectItem).alias ?? 'count';
    return { program: b.finish(), fields: [{ name, type: 'int8', typeOid: typeOids.int8 }], parameterTypes, commandTag: 'SELECT' };
  }
  emitPeek(b, words, targets, limit, messageRow);
  return { program: b.finish(), fields: fieldsOf(targets), parameterTypes, commandTag: 'SELECT' };
}

function isCountStar(statement: ast.SelectStatement): boolean {
  const [item, ...rest] = statement.items;
  return rest.length === 0 && item?.kind === 'SelectItem' && item.expression.kind === 'FunctionCall' && item.expression.name === 'count' && item.expression.star;
}

function checkQueueSelect(statement: ast.SelectStatement, queue: QueueDefinition, errors: ErrorLocator): void {
  const clauses = [statement.where, statement.having, statement.offset, ...statement.groupBy, ...statement.orderBy];
  const other = clauses.some((clause) => clause !== null) || statement.distinct || (isCountStar(statement) && statement.limit !== null);
  if (other) {
    throw errors.at(statement.span.start, '0A000', `a SELECT from queue "${queue.name}" is a peek (SELECT columns FROM q [LIMIT n]) or its depth (SELECT count(*) FROM q)`);
  }
}

function emitPeek(b: ProgramBuilder, words: QueueWords, targets: readonly BoundTarget[], limit: BoundExpression | undefined, messageRow: number): void {
  const [taken, count, now, headWord, m, claim] = [b.local('i64'), b.local('i64'), b.local('sql'), b.local('bytes'), b.local('i64'), b.local('bytes')];
  const done = b.block();
  emitCount(b, limit, -1n, count, 'LIMIT', '2201W');
  b.emit('local.get', count);
  b.emit('i64.eqz');
  b.brIf(done);
  b.emit('sql.now');
  b.emit('local.set', now);
  const walk = new MessageWalk(b, words);
  words.emitLoadCounter('head', headWord, m);
  walk.emitFind(m, done);
  const each = b.loop();
  b.comment('each message from head on');
  const next = b.block();
  walk.emitCover(m, done);
  words.emitSequenceAddress('c', m, 'm');
  b.emit('mem.load');
  b.comment('LOAD its claim');
  b.emit('bytes.is_null');
  b.emit('i32.eqz');
  const held = b.ifThen();
  b.comment('claimed: visible only as a lease whose time is up');
  words.emitSequenceAddress('l', m, 'm');
  b.emit('mem.load');
  b.emit('local.tee', claim);
  b.emit('bytes.is_null');
  b.brIf(next);
  b.comment('done, or read without a lease yet');
  b.emit('local.get', claim);
  b.emit('row.decode', leaseWidth);
  b.emit('row.get', leaseFields.until);
  b.emit('local.get', now);
  b.emit('sql.le');
  b.emit('sql.is_true');
  b.emit('i32.eqz');
  b.brIf(next);
  b.end(held);
  b.emit('row.new', 3);
  b.emit('local.get', m);
  b.emit('sql.from_i64');
  b.emit('row.set', 0);
  b.emit('local.get', walk.batch.enqueuedAt);
  b.emit('row.set', 1);
  walk.emitBody(m);
  b.emit('row.set', 2);
  b.emit('local.set', messageRow);
  emitProjection(b, targets, 'peek');
  increment(b, taken);
  b.emit('local.get', taken);
  b.emit('local.get', count);
  b.emit('i64.eq');
  b.brIf(done);
  b.end(next);
  increment(b, m);
  b.br(each);
  b.end(each);
  b.end(done);
}

/** count(*): messages in batches from head on, minus final claims there, plus the leases below head. */
function emitDepth(b: ProgramBuilder, words: QueueWords): void {
  const [total, headWord, h] = [b.local('i64'), b.local('bytes'), b.local('i64')];
  const walk = new MessageWalk(b, words);
  words.emitLoadCounter('head', headWord, h);
  b.emit('i64.const', 0n);
  b.emit('local.set', total);
  const counted = b.block();
  walk.emitFind(h, counted);
  // The batch holding head counts from head; later ones whole.
  const { start, count } = walk.batch;
  b.emit('local.get', start);
  b.emit('local.get', count);
  b.emit('i64.add');
  b.emit('local.get', h);
  b.emit('i64.sub');
  b.emit('local.set', total);
  const batches = b.loop();
  b.comment('each later batch');
  const past = b.local('i64');
  b.emit('local.get', start);
  b.emit('local.get', count);
  b.emit('i64.add');
  b.emit('local.set', past);
  walk.emitCover(past, counted);
  b.emit('local.get', total);
  b.emit('local.get', count);
  b.emit('i64.add');
  b.emit('local.set', total);
  b.br(batches);
  b.end(batches);
  b.end(counted);
  emitSubtractFinalClaims(b, words, h, total);
  emitCountLeasesBelow(b, words, h, total);
  b.emit('row.new', 1);
  b.emit('local.get', total);
  b.emit('sql.from_i64');
  b.emit('row.set', 0);
  b.emit('row.emit');
}

/** total -= the final claims ('D', 'A') from head on: those messages are done. */
function emitSubtractFinalClaims(b: ProgramBuilder, words: QueueWords, h: number, total: number): void {
  const scan = words.emitScan('c', { from: h }, 'from head');
  emitEachWord(b, scan, () => {
    b.emit('local.get', scan);
    b.emit('scan.value');
    b.emit('row.decode', claimWidth);
    b.emit('row.get', claimFields.state);
    b.emit('const', b.sqlConstant(ClaimState.leased));
    b.emit('sql.ne');
    b.emit('sql.is_true');
    const final = b.ifThen();
    b.emit('local.get', total);
    b.emit('i64.const', 1n);
    b.emit('i64.sub');
    b.emit('local.set', total);
    b.end(final);
  });
}

/** total += the leases below head: read, not acknowledged, and no longer in the batches counted from head. */
function emitCountLeasesBelow(b: ProgramBuilder, words: QueueWords, h: number, total: number): void {
  const scan = words.emitScan('l', { below: h }, 'below head');
  emitEachWord(b, scan, () => increment(b, total));
}

// --- shared -----------------------------------------------------------------------

/** A message id of ACK into an i64 local; NULL is 22004. */
function emitId(b: ProgramBuilder, bound: BoundExpression, local: number): void {
  const value = b.local('sql');
  bound.emit(b);
  b.emit('local.tee', value);
  b.emit('sql.is_null');
  const isNull = b.ifThen();
  b.emit('error.raise', b.nameConstant('22004'), b.nameConstant('a message id of ACK must not be NULL'));
  b.end(isNull);
  b.emit('local.get', value);
  b.emit('sql.to_i64');
  b.emit('local.set', local);
}

/** The clause's value into an i64 local: not written or NULL → `absent`; negative → `negativeState`. */
function emitCount(b: ProgramBuilder, bound: BoundExpression | undefined, absent: bigint, local: number, what: string, negativeState: string): void {
  if (bound !== undefined) return emitNonNegative(b, bound, local, absent, what, negativeState, `${what} NULL: ${absent}`);
  b.emit('i64.const', absent);
  b.comment(`no ${what}: ${absent}`);
  b.emit('local.set', local);
}
