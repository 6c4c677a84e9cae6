import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wordBytesMax } from '../../common/limits.js';
import { SqlError } from '../../common/sql-error.js';
import {
  Catalog,
  catalogAddress,
  catalogResource,
  decodeTableDefinition,
  encodeTableDefinition,
  makeTableDefinition,
  tableColumnsMax,
  type ColumnDefinition,
  type CreateTableResult,
  type RandomSource,
  type TableDefinition,
  type TableSpec,
} from '../../compiler/catalog.js';
import { wordAddress, type KeyValue } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { Memory, ScanRequest } from '../../store/memory.js';
import { sqlstateOf, temporaryDirectoryPerTest } from '../store/helpers.js';

const directory = temporaryDirectoryPerTest('catalog');
let memory: LocalMemory;
beforeEach(() => {
  memory = LocalMemory.open(directory());
});
afterEach(async () => {
  await memory.close();
});

/** A deterministic random source: each call returns the next counter value, big-endian. */
function counterRandom(start: number): RandomSource {
  let next = start;
  return (count) => {
    const bytes = Buffer.alloc(count);
    bytes.writeUInt32BE(next++, count - 4);
    return bytes;
  };
}

/** The table a CREATE TABLE made (or found): these tests make no queues. */
function tableOf(result: CreateTableResult): TableDefinition {
  if (result.definition.kind !== 'table') throw new Error(`expected a table, got a ${result.definition.kind}`);
  return result.definition;
}

function catalog(start = 1): Catalog {
  return new Catalog({ memory, random: counterRandom(start) });
}

const users: TableSpec = {
  name: 'users',
  columns: [
    { name: 'id', type: 'text', notNull: false },
    { name: 'name', type: 'text', notNull: true },
    { name: 'age', type: 'int4', notNull: false, defaultExpression: '18' },
  ],
  primaryKey: { hashColumn: 0 },
};

const events: TableSpec = {
  name: 'events',
  columns: [
    { name: 'user_id', type: 'text', notNull: false },
    { name: 'ts', type: 'int8', notNull: false },
    { name: 'kind', type: 'text', notNull: false },
  ],
  primaryKey: { hashColumn: 0, sortColumn: 1 },
};

function rowAddress(account: string, table: string, primaryKey: KeyValue, sortKey?: KeyValue) {
  return wordAddress({ account, resource: table, resourceType: 'rnd', primaryKey, sortKey });
}

async function writeRows(account: string, table: string, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      memory.write(rowAddress(account, table, `k${index % 100}`, BigInt(index)), Buffer.from(`row ${index}`)),
    ),
  );
}

async function countRows(account: string, table: string): Promise<number> {
  let count = 0;
  let after;
  do {
    const page = await memory.scan({ kind: 'resource', account, resource: table, resourceType: 'rnd', limit: 1000, after });
    count += page.words.length;
    after = page.next;
  } while (after !== undefined);
  return count;
}

async function failureOf(action: () => unknown): Promise<SqlError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof SqlError) return error;
    throw error;
  }
  throw new Error('expected an SqlError, but the action succeeded');
}

describe('the catalog: create, lookup, drop', () => {
  it('round-trips a definition through the global memory', async () => {
    const tables = catalog();
    const result = await tables.createTable('acme', users);
    expect(result.created).toBe(true);
    expect(result.definition).toEqual({
      kind: 'table',
      name: 'users',
      id: '0000000000000001',
      version: 1,
      columns: [
        { name: 'id', type: 'text', notNull: true }, // primary-key columns are NOT NULL implicitly
        { name: 'name', type: 'text', notNull: true },
        { name: 'age', type: 'int4', notNull: false, defaultExpression: '18' },
      ],
      primaryKey: { hashColumn: 0 },
      state: 'ready',
    });
    const word = await memory.load(catalogAddress('acme', 'users'));
    expect(word?.address.resource).toBe(catalogResource);
    expect(word?.value.toString('utf8')).toBe(
      '{"kind":"table","name":"users","id":"0000000000000001","version":1,"columns":[' +
        '{"name":"id","type":"text","notNull":true},{"name":"name","type":"text","notNull":true},' +
        '{"name":"age","type":"int4","notNull":false,"defaultExpression":"18"}],' +
        '"primaryKey":{"hashColumn":0},"state":"ready"}',
    );

    // A cold gateway reads the same definition from the memory.
    expect(await catalog().lookupTable('acme', 'users')).toEqual(result.definition);
    expect(await tables.lookupTable('acme', 'users')).toEqual(result.definition);
    expect(await tables.lookupTable('acme', 'nobody')).toBeUndefined();

    expect(await tables.dropTable('acme', 'users')).toEqual({ dropped: true, rowsDeleted: 0 });
    expect(await tables.lookupTable('acme', 'users')).toBeUndefined();
    expect(await catalog().lookupTable('acme', 'users')).toBeUndefined();
    expect(await memory.load(catalogAddress('acme', 'users'))).toBeUndefined();
  });

  it('keeps a sort-key column in the definition', async () => {
    const definition = tableOf(await catalog().createTable('acme', events));
    expect(definition.primaryKey).toEqual({ hashColumn: 0, sortColumn: 1 });
    expect(definition.columns.map((column) => column.notNull)).toEqual([true, true, false]);
    expect(await catalog().lookupTable('acme', 'events')).toEqual(definition);
  });

  it('refuses a second CREATE with 42P07, or resolves IF NOT EXISTS to created: false', async () => {
    const tables = catalog();
    const first = await tables.createTable('acme', users);
    const error = await failureOf(() => tables.createTable('acme', users));
    expect(error.sqlstate).toBe('42P07');
    expect(error.message).toBe('relation "users" already exists');
    const again = await tables.createTable('acme', { ...users, columns: users.columns.slice(0, 1) }, { ifNotExists: true });
    expect(again).toEqual({ created: false, definition: first.definition });
  });

  it('refuses DROP of a missing table with 42P01, or resolves IF EXISTS to dropped: false', async () => {
    const error = await failureOf(() => catalog().dropTable('acme', 'users'));
    expect(error.sqlstate).toBe('42P01');
    expect(error.message).toBe('table "users" does not exist');
    expect(await catalog().dropTable('acme', 'users', { ifExists: true })).toEqual({ dropped: false, rowsDeleted: 0 });
  });

  it('gives a re-created table a new generation id', async () => {
    const tables = catalog();
    const first = await tables.createTable('acme', users);
    await tables.dropTable('acme', 'users');
    const second = await tables.createTable('acme', users);
    expect(second.definition.id).not.toBe(first.definition.id);
    expect((await tables.lookupTable('acme', 'users'))?.id).toBe(second.definition.id);
  });

  it('lists the ready tables of an account by name', async () => {
    const tables = catalog();
    await tables.createTable('acme', users);
    await tables.createTable('acme', events);
    await tables.createTable('other', { ...users, name: 'zebra' });
    await memory.write(
      catalogAddress('acme', 'gone'),
      encodeTableDefinition(makeTableDefinition({ ...users, name: 'gone', kind: 'table', id: 'ffffffffffffffff', version: 1, state: 'dropping' })),
    );
    expect((await tables.listTables('acme')).map((table) => table.name)).toEqual(['events', 'users']);
    expect((await tables.listTables('other')).map((table) => table.name)).toEqual(['zebra']);
    expect(await tables.listTables('empty')).toEqual([]);
  });
});

describe('the catalog: races', () => {
  it('lets exactly one of two concurrent CREATEs of one name win', async () => {
    const results = await Promise.allSettled([catalog(1).createTable('acme', users), catalog(2).createTable('acme', users)]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected.map((result) => (result.reason as SqlError).sqlstate)).toEqual(['42P07']);
  });

  it('lets exactly one of twenty concurrent CREATEs win, and every gateway then sees the winner', async () => {
    const gateways = Array.from({ length: 20 }, (_, index) => catalog(100 + index));
    const results = await Promise.allSettled(gateways.map((gateway) => gateway.createTable('acme', users)));
    const winners = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(winners).toHaveLength(1);
    const losers = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as SqlError).sqlstate] : []));
    expect(losers).toEqual(Array(19).fill('42P07'));
    for (const gateway of gateways) {
      expect((await gateway.lookupTable('acme', 'users'))?.id).toBe(winners[0]!.definition.id);
    }
  });

  it('ends concurrent DROPs of one table with the table gone and one success at least', async () => {
    await catalog().createTable('acme', events);
    await writeRows('acme', 'events', 600);
    const results = await Promise.allSettled([catalog().dropTable('acme', 'events'), catalog().dropTable('acme', 'events')]);
    expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
    for (const result of results) {
      if (result.status === 'rejected') expect((result.reason as SqlError).sqlstate).toBe('42P01');
    }
    expect(await countRows('acme', 'events')).toBe(0);
    expect(await memory.load(catalogAddress('acme', 'events'))).toBeUndefined();
  });
});

describe('the catalog: DROP deletes the rows', () => {
  it('deletes every row word of the table and nothing else', async () => {
    const tables = catalog();
    await tables.createTable('acme', events);
    await tables.createTable('acme', { ...events, name: 'audit' });
    await tables.createTable('other', events);
    await writeRows('acme', 'events', 2500);
    await writeRows('acme', 'audit', 300);
    await writeRows('other', 'events', 200);
    expect(await countRows('acme', 'events')).toBe(2500);

    expect(await tables.dropTable('acme', 'events')).toEqual({ dropped: true, rowsDeleted: 2500 });
    expect(await countRows('acme', 'events')).toBe(0);
    expect(await countRows('acme', 'audit')).toBe(300);
    expect(await countRows('other', 'events')).toBe(200);
    expect(await tables.lookupTable('other', 'events')).toBeDefined();
    expect(await tables.lookupTable('acme', 'audit')).toBeDefined();
  });

  it('resumes a drop interrupted after marking the table dropping, and blocks CREATE meanwhile', async () => {
    const tables = catalog();
    const definition = tableOf(await tables.createTable('acme', events));
    await writeRows('acme', 'events', 700);
    // A gateway crashed right after its COMPARE&SWAP to 'dropping'.
    await memory.write(catalogAddress('acme', 'events'), encodeTableDefinition({ ...definition, state: 'dropping' }));

    expect(await tables.lookupTable('acme', 'events')).toBeUndefined();
    expect(await catalog().lookupTable('acme', 'events')).toBeUndefined();
    const blocked = await failureOf(() => catalog().createTable('acme', events));
    expect(blocked.sqlstate).toBe('55006');
    expect(blocked.message).toBe('table "events" is being dropped');
    expect(blocked.detail).toMatch(/retry/);
    expect(await sqlstateOf(() => catalog().createTable('acme', events, { ifNotExists: true }))).toBe('55006');

    expect(await catalog().dropTable('acme', 'events')).toEqual({ dropped: true, rowsDeleted: 700 });
    expect(await countRows('acme', 'events')).toBe(0);
    expect(await memory.load(catalogAddress('acme', 'events'))).toBeUndefined();
    // Re-created, the table starts empty.
    expect((await tables.createTable('acme', events)).created).toBe(true);
    expect(await countRows('acme', 'events')).toBe(0);
  });

  it('resumes with IF EXISTS too, and a drop that finds the rows already gone still finishes', async () => {
    const definition = tableOf(await catalog().createTable('acme', users));
    await memory.write(catalogAddress('acme', 'users'), encodeTableDefinition({ ...definition, state: 'dropping' }));
    expect(await catalog().dropTable('acme', 'users', { ifExists: true })).toEqual({ dropped: true, rowsDeleted: 0 });
    expect(await catalog().dropTable('acme', 'users', { ifExists: true })).toEqual({ dropped: false, rowsDeleted: 0 });
  });
});

describe('the catalog: rows written during a DROP', () => {
  /** A memory whose resource scans of `table` each add one row, as a statement compiled before the DROP would. */
  function writerDuringScans(table: string, scansWithWrites: number): Memory {
    let scans = 0;
    return Object.assign(Object.create(memory) as Memory, {
      scan: async (request: ScanRequest) => {
        const page = await memory.scan(request);
        if (request.kind === 'resource' && request.resource === table && scans++ < scansWithWrites) {
          await memory.write(rowAddress(request.account, table, `late${scans}`), Buffer.from('late'));
        }
        return page;
      },
    });
  }

  it('repeats its pass over the rows until one finds none', async () => {
    await catalog().createTable('acme', users);
    await writeRows('acme', 'users', 10);
    const tables = new Catalog({ memory: writerDuringScans('users', 3), random: counterRandom(1) });
    expect(await tables.dropTable('acme', 'users')).toEqual({ dropped: true, rowsDeleted: 13 });
    expect(await countRows('acme', 'users')).toBe(0);
  });

  it('gives up with 55006 while rows keep coming, leaving the table dropping for the next DROP', async () => {
    await catalog().createTable('acme', users);
    await writeRows('acme', 'users', 1);
    const tables = new Catalog({ memory: writerDuringScans('users', Infinity), random: counterRandom(1) });
    const error = await failureOf(() => tables.dropTable('acme', 'users'));
    expect(error.sqlstate).toBe('55006');
    expect(await sqlstateOf(() => catalog().createTable('acme', users))).toBe('55006');
    expect(await catalog().lookupTable('acme', 'users')).toBeUndefined();
    expect((await catalog().dropTable('acme', 'users')).dropped).toBe(true);
    expect(await countRows('acme', 'users')).toBe(0);
  });
});

describe('the catalog cache', () => {
  it('answers from the cache after one COMPARE, and reloads once when another gateway re-created the table', async () => {
    const first = catalog(1);
    const second = catalog(1000);
    const original = await first.createTable('acme', users);
    expect(await first.lookupTable('acme', 'users')).toEqual(original.definition);
    expect(first.counters).toEqual({ hits: 1, misses: 0, reloads: 0 });

    await second.dropTable('acme', 'users');
    const recreated = await second.createTable('acme', { ...users, columns: users.columns.slice(0, 2) });
    expect(recreated.definition.id).not.toBe(original.definition.id);

    const seen = await first.lookupTable('acme', 'users');
    expect(seen?.id).toBe(recreated.definition.id);
    expect(seen?.columns).toHaveLength(2);
    expect(first.counters).toEqual({ hits: 1, misses: 0, reloads: 1 });
    expect(await first.lookupTable('acme', 'users')).toEqual(recreated.definition);
    expect(first.counters).toEqual({ hits: 2, misses: 0, reloads: 1 });
  });

  it('sees a drop by another gateway, and caches absence', async () => {
    const first = catalog(1);
    await first.createTable('acme', users);
    await catalog(50).dropTable('acme', 'users');
    expect(await first.lookupTable('acme', 'users')).toBeUndefined();
    expect(await first.lookupTable('acme', 'users')).toBeUndefined();
    expect(await first.lookupTable('acme', 'nobody')).toBeUndefined();
    expect(await first.lookupTable('acme', 'nobody')).toBeUndefined();
    expect(first.counters).toEqual({ hits: 2, misses: 1, reloads: 1 });
  });

  it('evicts the oldest entry beyond its bound', async () => {
    const tables = new Catalog({ memory, random: counterRandom(1), cacheEntriesMax: 2 });
    for (const name of ['a', 'b', 'c']) await tables.createTable('acme', { ...users, name });
    await tables.lookupTable('acme', 'c');
    await tables.lookupTable('acme', 'b');
    await tables.lookupTable('acme', 'a');
    expect(tables.counters).toEqual({ hits: 2, misses: 1, reloads: 0 });
  });
});

describe('the catalog: names and definitions', () => {
  it('reserves names starting with dm_, dm_catalog included', async () => {
    for (const name of ['dm_x', 'dm_catalog', 'dm_']) {
      const error = await failureOf(() => catalog().createTable('acme', { ...users, name }));
      expect(error.sqlstate).toBe('42939');
      expect(error.message).toBe(`table name "${name}" is reserved for the system`);
    }
    expect(await sqlstateOf(() => catalog().dropTable('acme', 'dm_catalog'))).toBe('42939');
    expect((await catalog().createTable('acme', { ...users, name: 'DM_x' })).created).toBe(true);
    expect((await catalog().createTable('acme', { ...users, name: 'xdm_' })).created).toBe(true);
  });

  it('refuses empty and over-long names', async () => {
    expect(await sqlstateOf(() => catalog().createTable('acme', { ...users, name: '' }))).toBe('42602');
    expect(await sqlstateOf(() => catalog().createTable('acme', { ...users, name: 'x'.repeat(64) }))).toBe('42622');
    expect((await catalog().createTable('acme', { ...users, name: 'x'.repeat(63) })).created).toBe(true);
    const longColumn = { ...users, columns: [{ name: 'c'.repeat(64), type: 'text', notNull: false } as const] };
    expect(await sqlstateOf(() => catalog().createTable('acme', longColumn))).toBe('42622');
  });

  const invalid: [string, Partial<TableSpec>, string, string][] = [
    ['no columns', { columns: [] }, '42P16', 'a table needs at least one column (its primary key)'],
    [
      'a duplicate column',
      { columns: [...users.columns, { name: 'name', type: 'int8', notNull: false }] },
      '42701',
      'column "name" specified more than once',
    ],
    ['a missing key column', { primaryKey: { hashColumn: 3 } }, '42703', 'column number 3 named in key does not exist'],
    ['a negative key column', { primaryKey: { hashColumn: -1 } }, '42703', 'column number -1 named in key does not exist'],
    [
      'a missing sort column',
      { primaryKey: { hashColumn: 0, sortColumn: 7 } },
      '42703',
      'column number 7 named in key does not exist',
    ],
    [
      'one column twice in the key',
      { primaryKey: { hashColumn: 0, sortColumn: 0 } },
      '42701',
      'column "id" appears twice in primary key constraint',
    ],
    [
      'a float8 key',
      { columns: [{ name: 'x', type: 'float8', notNull: false }], primaryKey: { hashColumn: 0 } },
      '42P16',
      'column "x" of type double precision cannot be part of a primary key',
    ],
    [
      'a jsonb sort key',
      { columns: [...users.columns, { name: 'doc', type: 'jsonb', notNull: false }], primaryKey: { hashColumn: 0, sortColumn: 3 } },
      '42P16',
      'column "doc" of type jsonb cannot be part of a primary key',
    ],
    [
      'an unknown type',
      { columns: [{ name: 'x', type: 'money' as never, notNull: false }] },
      '42704',
      'type "money" does not exist',
    ],
    [
      'too many columns',
      { columns: Array.from({ length: tableColumnsMax + 1 }, (_, index) => ({ name: `c${index}`, type: 'int4', notNull: false }) as const) },
      '54011',
      'tables can have at most 1600 columns',
    ],
  ];
  it.each(invalid)('refuses %s', async (_, change, sqlstate, message) => {
    const error = await failureOf(() => catalog().createTable('acme', { ...users, ...change }));
    expect([error.sqlstate, error.message]).toEqual([sqlstate, message]);
    expect(await memory.load(catalogAddress('acme', 'users'))).toBeUndefined();
  });

  it('accepts every key-usable type as a key', async () => {
    for (const type of ['int4', 'int8', 'text', 'bytea', 'boolean', 'timestamptz'] as const) {
      const columns: ColumnDefinition[] = [{ name: 'k', type, notNull: false }, { name: 'v', type: 'jsonb', notNull: false }];
      const definition = tableOf(await catalog().createTable('acme', { name: `t_${type}`, columns, primaryKey: { hashColumn: 0 } }));
      expect(definition.columns[0]!.type).toBe(type);
    }
  });

  it('refuses a definition over one word with 54000 naming both sizes', async () => {
    const columns = Array.from({ length: 100 }, (_, index) => ({
      name: `column_with_a_rather_long_name_${index}`,
      type: 'text' as const,
      notNull: false,
    }));
    const error = await failureOf(() => catalog().createTable('acme', { name: 'wide', columns, primaryKey: { hashColumn: 0 } }));
    expect(error.sqlstate).toBe('54000');
    expect(error.message).toMatch(new RegExp(`^definition of table "wide" is \\d+ bytes, over the limit of ${wordBytesMax} bytes$`));
    expect(await memory.load(catalogAddress('acme', 'wide'))).toBeUndefined();
    // 1600 columns fit only with short names: the word limit, not the column count, is what binds.
    const narrow = Array.from({ length: 60 }, (_, index) => ({ name: `c${index}`, type: 'text' as const, notNull: false }));
    expect((await catalog().createTable('acme', { name: 'narrow', columns: narrow, primaryKey: { hashColumn: 0 } })).created).toBe(true);
  });
});

describe('the catalog: stored bytes', () => {
  function stored(overrides: Partial<TableDefinition> = {}): TableDefinition {
    return makeTableDefinition({ kind: 'table', id: '0123456789abcdef', version: 3, state: 'ready', ...users, ...overrides });
  }

  it('encodes canonically: the same definition gives the same bytes, and they decode back', () => {
    const definition = stored();
    const bytes = encodeTableDefinition(definition);
    const shuffled = { state: 'ready', primaryKey: { hashColumn: 0 }, columns: definition.columns, version: 3, id: definition.id, name: 'users', kind: 'table' } as const;
    expect(encodeTableDefinition(shuffled)).toEqual(bytes);
    expect(decodeTableDefinition(bytes, 'test')).toEqual(definition);
    expect(Object.isFrozen(decodeTableDefinition(bytes, 'test'))).toBe(true);
  });

  const corruptions: [string, string][] = [
    ['not JSON', 'not json'],
    ['not UTF-8', '\uFFFD'],
    ['an array', '[]'],
    ['an unknown kind', '{"kind":"queue","name":"users"}'],
    ['an extra field', JSON.stringify({ ...JSON.parse(encodeTableDefinition(stored()).toString()), owner: 'x' })],
    ['a missing field', JSON.stringify({ ...JSON.parse(encodeTableDefinition(stored()).toString()), state: undefined })],
    ['a bad id', encodeTableDefinition(stored()).toString().replace('0123456789abcdef', 'xyz')],
    ['a numeric id', encodeTableDefinition(stored()).toString().replace('"0123456789abcdef"', '1234567890123456')],
    ['a bad column', encodeTableDefinition(stored()).toString().replace('"int4"', '"int5"')],
    ['a key column that may be null', encodeTableDefinition(stored()).toString().replace('"notNull":true', '"notNull":false')],
    ['whitespace', encodeTableDefinition(stored()).toString().replace(',', ', ')],
    ['another key order', JSON.stringify({ name: 'users', ...JSON.parse(encodeTableDefinition(stored()).toString()) })],
  ];
  it.each(corruptions)('reports a catalog word with %s as XX001', async (_, text) => {
    const bytes = text === '\uFFFD' ? Buffer.from([0xff, 0xfe]) : Buffer.from(text, 'utf8');
    expect(() => decodeTableDefinition(bytes, 'test')).toThrow(SqlError);
    await memory.write(catalogAddress('acme', 'users'), bytes);
    const error = await failureOf(() => catalog().lookupTable('acme', 'users'));
    expect(error.sqlstate).toBe('XX001');
    expect(error.message).toMatch(/^catalog entry "users" of account "acme" is corrupted: /);
    expect(await sqlstateOf(() => catalog().createTable('acme', users))).toBe('XX001');
    expect(await sqlstateOf(() => catalog().dropTable('acme', 'users'))).toBe('XX001');
  });
});

describe('the catalog: accounts', () => {
  it('keeps each account its own catalog', async () => {
    const tables = catalog();
    const acme = await tables.createTable('acme', users);
    const other = await tables.createTable('other', { ...users, columns: users.columns.slice(0, 1) });
    expect(other.created).toBe(true);
    expect(other.definition.id).not.toBe(acme.definition.id);
    expect((await tables.lookupTable('acme', 'users'))?.columns).toHaveLength(3);
    expect((await tables.lookupTable('other', 'users'))?.columns).toHaveLength(1);
    expect(await tables.lookupTable('third', 'users')).toBeUndefined();

    await writeRows('acme', 'users', 50);
    await writeRows('other', 'users', 40);
    await tables.dropTable('other', 'users');
    expect(await tables.lookupTable('other', 'users')).toBeUndefined();
    expect(await tables.lookupTable('acme', 'users')).toEqual(acme.definition);
    expect(await countRows('acme', 'users')).toBe(50);
    expect(await countRows('other', 'users')).toBe(0);
  });
});
