/**
 * The queue statements (DESIGN §5, docs/queues.md): CREATE QUEUE, DROP QUEUE,
 * ENQUEUE, DEQUEUE, READ, ACK and EXPLAIN of the data ones, their ASTs written
 * out in full, their positions, their syntax errors, and the queue words staying
 * usable as names and aliases.
 */
import { describe, expect, it } from 'vitest';
import { childNodes, descendantNodes } from '../../parser/ast-children.js';
import { parseStatement, parseStatements } from '../../parser/parse.js';
import { parsed, parsedAll, selectItems, syntaxError } from './helpers.js';

const integer = (value: number) => ({ kind: 'IntegerLiteral', text: String(value), value: BigInt(value) });
const string = (value: string) => ({ kind: 'StringLiteral', value });
const queue = (name: string, schema: string | null = null) => ({ kind: 'TableName', schema, name });
const column = (name: string) => ({ kind: 'ColumnReference', table: null, column: name });
const setting = (name: string, value: number) => ({ kind: 'QueueSetting', name, value: integer(value) });

describe('CREATE QUEUE and DROP QUEUE', () => {
  it('with and without IF NOT EXISTS and settings', () => {
    expect(parsedAll('CREATE QUEUE IF NOT EXISTS Jobs WITH (visibility = 30, Body_Bytes_Max = +54000, segment_bytes_max = -1, other = 0); create queue public.q')).toEqual([
      {
        kind: 'CreateQueueStatement',
        ifNotExists: true,
        queue: queue('jobs'),
        settings: [setting('visibility', 30), setting('body_bytes_max', 54000), setting('segment_bytes_max', -1), setting('other', 0)],
      },
      { kind: 'CreateQueueStatement', ifNotExists: false, queue: queue('q', 'public'), settings: [] },
    ]);
  });

  it('keeps a setting value exact at any size (the compiler range-checks it)', () => {
    const statement = parseStatement('create queue q with (visibility = 99999999999999999999)');
    if (statement.kind !== 'CreateQueueStatement') throw new Error('expected CREATE QUEUE');
    expect(statement.settings[0]?.value.value).toBe(99999999999999999999n);
  });

  it('DROP QUEUE with and without IF EXISTS; IF and EXISTS are names too', () => {
    expect(parsedAll('DROP QUEUE IF EXISTS jobs; drop queue "Jobs"; create queue if; drop queue exists')).toEqual([
      { kind: 'DropQueueStatement', ifExists: true, queue: queue('jobs') },
      { kind: 'DropQueueStatement', ifExists: false, queue: queue('Jobs') },
      { kind: 'CreateQueueStatement', ifNotExists: false, queue: queue('if'), settings: [] },
      { kind: 'DropQueueStatement', ifExists: false, queue: queue('exists') },
    ]);
  });
});

describe('ENQUEUE', () => {
  it('one body per row, with RETURNING', () => {
    expect(parsed(`ENQUEUE INTO jobs VALUES ('{"task": 1}'), ($1), ('a' || 'b') RETURNING id, body AS b, *`)).toEqual({
      kind: 'EnqueueStatement',
      queue: queue('jobs'),
      bodies: [string('{"task": 1}'), { kind: 'Parameter', index: 1 }, { kind: 'BinaryExpression', operator: '||', left: string('a'), right: string('b') }],
      returning: [
        { kind: 'SelectItem', expression: column('id'), alias: null },
        { kind: 'SelectItem', expression: column('body'), alias: 'b' },
        { kind: 'AllColumns', table: null },
      ],
    });
  });

  it('without RETURNING', () => {
    expect(parsed("enqueue into q values ('x')")).toEqual({ kind: 'EnqueueStatement', queue: queue('q'), bodies: [string('x')], returning: null });
  });
});

describe('DEQUEUE, READ and ACK', () => {
  it('DEQUEUE with and without LIMIT', () => {
    expect(parsedAll('DEQUEUE FROM jobs LIMIT 5; dequeue from jobs; dequeue from jobs limit $1')).toEqual([
      { kind: 'DequeueStatement', queue: queue('jobs'), limit: integer(5) },
      { kind: 'DequeueStatement', queue: queue('jobs'), limit: null },
      { kind: 'DequeueStatement', queue: queue('jobs'), limit: { kind: 'Parameter', index: 1 } },
    ]);
  });

  it('READ with LIMIT and VISIBILITY in either order, or either or none', () => {
    expect(parsedAll('READ FROM jobs LIMIT 2 VISIBILITY 30; read from jobs visibility 30 limit 2; read from jobs visibility 10; read from jobs limit 1; read from jobs')).toEqual([
      { kind: 'ReadStatement', queue: queue('jobs'), limit: integer(2), visibility: integer(30) },
      { kind: 'ReadStatement', queue: queue('jobs'), limit: integer(2), visibility: integer(30) },
      { kind: 'ReadStatement', queue: queue('jobs'), limit: null, visibility: integer(10) },
      { kind: 'ReadStatement', queue: queue('jobs'), limit: integer(1), visibility: null },
      { kind: 'ReadStatement', queue: queue('jobs'), limit: null, visibility: null },
    ]);
  });

  it('ACK of one or several ids', () => {
    expect(parsedAll('ACK jobs 17, 18; ack jobs $1')).toEqual([
      { kind: 'AckStatement', queue: queue('jobs'), ids: [integer(17), integer(18)] },
      { kind: 'AckStatement', queue: queue('jobs'), ids: [{ kind: 'Parameter', index: 1 }] },
    ]);
  });
});

describe('EXPLAIN of queue statements', () => {
  it('wraps ENQUEUE, DEQUEUE, READ and ACK, with or without ANALYZE', () => {
    expect(parsedAll("EXPLAIN ENQUEUE INTO q VALUES ('x'); explain analyze dequeue from q; EXPLAIN READ FROM q LIMIT 1; explain analyse ack q 1")).toEqual([
      { kind: 'ExplainStatement', analyze: false, statement: { kind: 'EnqueueStatement', queue: queue('q'), bodies: [string('x')], returning: null } },
      { kind: 'ExplainStatement', analyze: true, statement: { kind: 'DequeueStatement', queue: queue('q'), limit: null } },
      { kind: 'ExplainStatement', analyze: false, statement: { kind: 'ReadStatement', queue: queue('q'), limit: integer(1), visibility: null } },
      { kind: 'ExplainStatement', analyze: true, statement: { kind: 'AckStatement', queue: queue('q'), ids: [integer(1)] } },
    ]);
  });

  it('refuses CREATE and DROP QUEUE, which are not programs', () => {
    expect(syntaxError('explain create queue q')).toMatchObject({ message: 'syntax error at or near "create"', position: 9 });
  });
});

describe('positions', () => {
  const at = (text: string, offset: number) => text.slice(offset, offset + 5);
  const located = (text: string) =>
    [...descendantNodes(parseStatement(text))].filter((node): node is typeof node & { location: number } => 'location' in node).map((node) => [node.kind, at(text, node.location)]);

  it('point at names, values and signs', () => {
    expect(located('create queue jobs with (visibility = -30, x = 1)')).toEqual([
      ['TableName', 'jobs '],
      ['QueueSetting', 'visib'],
      ['IntegerLiteral', '-30, '],
      ['QueueSetting', 'x = 1'],
      ['IntegerLiteral', '1)'],
    ]);
    expect(located("enqueue into jobs values ('a'), ($1) returning id")).toEqual([
      ['TableName', 'jobs '],
      ['StringLiteral', "'a'),"],
      ['Parameter', '$1) r'],
      ['ColumnReference', 'id'],
    ]);
    expect(located('ack jobs 17, 18')).toEqual([
      ['TableName', 'jobs '],
      ['IntegerLiteral', '17, 1'],
      ['IntegerLiteral', '18'],
    ]);
  });

  it("list READ's clauses in source order, whichever comes first", () => {
    const children = (text: string) => childNodes(parseStatement(text)).map((node) => ('location' in node ? at(text, node.location) : node.kind));
    expect(children('read from q visibility 30 limit 2')).toEqual(['q vis', '30 li', '2']);
    expect(children('read from q limit 2 visibility 30')).toEqual(['q lim', '2 vis', '30']);
  });

  it('give each statement its span in the whole text, and an EXPLAIN its own', () => {
    const text = ' dequeue from a ;  explain  read from b visibility 5 ';
    const [dequeue, explain] = parseStatements(text);
    expect(text.slice(dequeue?.span.start, dequeue?.span.end)).toBe('dequeue from a');
    expect(text.slice(explain?.span.start, explain?.span.end)).toBe('explain  read from b visibility 5');
    if (explain?.kind !== 'ExplainStatement') throw new Error('expected EXPLAIN');
    expect(text.slice(explain.statement.span.start, explain.statement.span.end)).toBe('read from b visibility 5');
  });

  it('are frozen, arrays included', () => {
    const statements = parseStatements("create queue q with (visibility = 1); enqueue into q values ('a') returning *; ack q 1, 2; read from q limit 1 visibility 2");
    for (const statement of statements) {
      for (const node of descendantNodes(statement)) {
        expect(Object.isFrozen(node), node.kind).toBe(true);
        for (const value of Object.values(node)) if (Array.isArray(value)) expect(Object.isFrozen(value), `${node.kind} array`).toBe(true);
      }
    }
  });
});

describe('syntax errors', () => {
  it.each([
    // [text, message, position, detail]
    ["ENQUEUE INTO jobs VALUES ('a'), ('b', 'c')", 'each row of ENQUEUE must hold exactly one value, the message body', 33, 'This row holds 2 values.'],
    ['ENQUEUE INTO jobs VALUES ()', 'each row of ENQUEUE must hold exactly one value, the message body', 26, 'This row is empty.'],
    ['ENQUEUE INTO jobs VALUES (DEFAULT)', 'syntax error at or near "DEFAULT"', 27, "Expected an expression or ')'."],
    ['enqueue into jobs values', 'syntax error at end of input', 25, "Expected '('."],
    ['enqueue jobs', 'syntax error at or near "jobs"', 9, 'Expected INTO.'],
    ['dequeue from jobs limit all', 'syntax error at or near "all"', 25, 'Expected an expression.'],
    ['read from jobs visibility 30 visibility 2', 'syntax error at or near "visibility"', 30, "Expected an operator, LIMIT, ';' or the end of the input."],
    ['read from jobs limit 1 limit 2', 'syntax error at or near "limit"', 24, "Expected an operator, VISIBILITY, ';' or the end of the input."],
    ['read jobs', 'syntax error at or near "jobs"', 6, 'Expected FROM.'],
    ['ack jobs', 'syntax error at end of input', 9, "Expected '.' or an expression."],
    ['ack jobs 1,', 'syntax error at end of input', 12, 'Expected an expression.'],
    ['create queue q with ()', 'syntax error at or near ")"', 22, 'Expected a name.'],
    ["create queue q with (visibility = '30')", `syntax error at or near "'30'"`, 35, "Expected '+' or '-' or a number."],
    ['create queue q with (visibility 30)', 'syntax error at or near "30"', 33, "Expected '='."],
    ['drop queue if exists', 'syntax error at end of input', 21, 'Expected a name.'],
    ['CREATE FOO', 'syntax error at or near "FOO"', 8, 'Expected TABLE, USER or QUEUE.'],
  ])('%j', (text, message, position, detail) => {
    const error = syntaxError(text);
    expect({ sqlstate: error.sqlstate, message: error.message, position: error.position, detail: error.detail }).toEqual({ sqlstate: '42601', message, position, detail });
  });

  it('says how to write several messages when a row holds several values', () => {
    expect(syntaxError("enqueue into jobs values ('a', 'b')").hint).toBe("Write one row per message: ENQUEUE INTO jobs VALUES ('first'), ('second').");
  });

  it("refuses a setting that is not an integer with PostgreSQL's message for an integer option (22023)", () => {
    expect(syntaxError('create queue q with (visibility = 1.5)')).toMatchObject({ sqlstate: '22023', message: 'invalid value for integer option "visibility": 1.5', position: 35 });
  });
});

describe('the queue words', () => {
  it('are unreserved: names of columns, tables and queues', () => {
    expect(selectItems('select queue, enqueue, dequeue, read, ack, visibility from read').map((item) => item.expression)).toEqual(
      ['queue', 'enqueue', 'dequeue', 'read', 'ack', 'visibility'].map(column),
    );
    expect(parsed('create table queue (read int primary key, ack text)')).toMatchObject({ table: { name: 'queue' }, columns: [{ name: 'read' }, { name: 'ack' }] });
    expect(parsedAll('create queue queue; read from read visibility 1; ack ack 1; dequeue from visibility limit 1')).toEqual([
      { kind: 'CreateQueueStatement', ifNotExists: false, queue: queue('queue'), settings: [] },
      { kind: 'ReadStatement', queue: queue('read'), limit: null, visibility: integer(1) },
      { kind: 'AckStatement', queue: queue('ack'), ids: [integer(1)] },
      { kind: 'DequeueStatement', queue: queue('visibility'), limit: integer(1) },
    ]);
  });

  it('may be aliases without AS, as they could before they were keywords (and as PostgreSQL allows)', () => {
    expect(selectItems('select 1 read, 2 ack, 3 queue from t').map((item) => item.alias)).toEqual(['read', 'ack', 'queue']);
    expect(parsed('update jobs visibility set read = 1')).toMatchObject({ table: { alias: 'visibility' }, assignments: [{ column: { name: 'read' } }] });
    expect(parsed('delete from jobs enqueue where enqueue.id = 1')).toMatchObject({ table: { alias: 'enqueue' } });
  });
});
