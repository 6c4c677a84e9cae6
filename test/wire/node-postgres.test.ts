/** node-postgres (`pg`) and pg-cursor against the frontend: the extended protocol in text and binary. */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { serverPerTest } from './server-fixture.js';

describe('node-postgres', () => {
  const running = serverPerTest();

  it('runs parameterized queries with inferred and declared types', async () => {
    const client = await running().client();
    await client.query('CREATE TABLE items (id int8 PRIMARY KEY, name text, price float8, active boolean, data bytea, seen timestamptz, doc jsonb)');
    const insert = await client.query('INSERT INTO items (id, name, price, active, data, seen, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      1,
      'widget',
      2.5,
      true,
      Buffer.from([0, 1, 255]),
      new Date('2024-05-06T07:08:09.123Z'),
      JSON.stringify({ a: [1, 2] }),
    ]);
    expect(insert.command).toBe('INSERT');
    expect(insert.rowCount).toBe(1);
    const { rows } = await client.query('SELECT id, name, price, active, data, seen, doc FROM items WHERE id = $1', [1]);
    expect(rows).toEqual([
      { id: '1', name: 'widget', price: 2.5, active: true, data: Buffer.from([0, 1, 255]), seen: new Date('2024-05-06T07:08:09.123Z'), doc: { a: [1, 2] } },
    ]);
    const sum = await client.query('SELECT $1::int4 + $2::int4 AS total', ['40', '2']);
    expect(sum.rows).toEqual([{ total: 42 }]);
    expect(sum.fields.map((field) => [field.name, field.dataTypeID])).toEqual([['total', 23]]);
  });

  it('reuses named statements for the session', async () => {
    const client = await running().client();
    await client.query('CREATE TABLE kv (k text PRIMARY KEY, v int4)');
    for (let index = 0; index < 5; index++) {
      await client.query({ name: 'put', text: 'INSERT INTO kv (k, v) VALUES ($1, $2)', values: [`k${index}`, index] });
    }
    for (let index = 0; index < 5; index++) {
      const { rows } = await client.query({ name: 'get', text: 'SELECT v FROM kv WHERE k = $1', values: [`k${index}`] });
      expect(rows).toEqual([{ v: index }]);
    }
  });

  it('returns binary results for every type', async () => {
    const client = await running().client();
    await client.query('CREATE TABLE b (id int4 PRIMARY KEY, big int8, f float8, ok boolean, t text, raw bytea, at timestamptz, doc jsonb)');
    await client.query(`INSERT INTO b VALUES (7, -9007199254740993, -0.25, false, 'héllo', '\\xdeadbeef', '2000-01-01 00:00:01+00', '{"k": null}')`);
    // Raw bytes, checked against PostgreSQL's binary formats written out by hand. pg hands binary values over as
    // UTF-8-decoded strings, so only the columns whose bytes survive that are checked here; test/wire/raw-protocol.test.ts
    // checks every type's bytes.
    const raw = { getTypeParser: () => (value: unknown) => value } as unknown as pg.CustomTypesConfig;
    const config = { text: 'SELECT id, big, f, ok, t, raw, at, doc FROM b WHERE id = $1', values: [7], binary: true, types: raw } as pg.QueryConfig;
    const result = await client.query(config);
    expect(result.fields.map((field) => field.format)).toEqual(Array(8).fill('binary'));
    expect(result.fields.map((field) => field.dataTypeID)).toEqual([23, 20, 701, 16, 25, 17, 1184, 3802]);
    const row = result.rows[0] as Record<string, Buffer>;
    const safe = ['id', 'ok', 't', 'at', 'doc'];
    const hex = Object.fromEntries(Object.entries(row).filter(([name]) => safe.includes(name)).map(([name, value]) => [name, Buffer.from(value).toString('hex')]));
    expect(hex).toEqual({
      id: '00000007',
      ok: '00',
      t: Buffer.from('héllo').toString('hex'),
      at: '00000000000f4240', // one second after 2000-01-01, in microseconds
      doc: '01' + Buffer.from('{"k": null}').toString('hex'),
    });
  });

  it('reads a cursor in pieces (Execute with a row limit, PortalSuspended, resume)', async () => {
    const client = await running().client();
    await client.query('CREATE TABLE many (id int4 PRIMARY KEY)');
    const values = Array.from({ length: 25 }, (_, index) => `(${index})`).join(', ');
    await client.query(`INSERT INTO many (id) VALUES ${values}`);
    const cursor = client.query(new Cursor('SELECT id FROM many WHERE id >= $1', [0]));
    const seen: number[] = [];
    const sizes: number[] = [];
    for (;;) {
      const rows = (await cursor.read(10)) as { id: number }[];
      sizes.push(rows.length);
      if (rows.length === 0) break;
      seen.push(...rows.map((row) => row.id));
    }
    await cursor.close();
    expect(sizes).toEqual([10, 10, 5, 0]);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, index) => index));
    expect((await client.query('SELECT 1 AS after')).rows).toEqual([{ after: 1 }]);
  });

  it('keeps the connection usable after errors, simple and extended', async () => {
    const client = await running().client();
    await expect(client.query('SELECT * FROM missing')).rejects.toMatchObject({ code: '42P01', position: '15' });
    await expect(client.query('SELECT $1::int4', ['not a number'])).rejects.toMatchObject({ code: '22P02' });
    await expect(client.query('SELECT 1; SELECT 1/0; SELECT 3')).rejects.toMatchObject({ code: '22012' });
    await expect(client.query({ text: 'SELEC 1', name: 'broken' })).rejects.toMatchObject({ code: '42601' });
    expect((await client.query('SELECT $1::text AS ok', ['yes'])).rows).toEqual([{ ok: 'yes' }]);
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('serves 20 concurrent clients', async () => {
    const setup = await running().client();
    await setup.query('CREATE TABLE hits (id int4 PRIMARY KEY, n int8)');
    await setup.query('INSERT INTO hits (id, n) VALUES (1, 0)');
    const clients = await Promise.all(Array.from({ length: 20 }, () => running().client()));
    await Promise.all(
      clients.map(async (client, index) => {
        for (let round = 0; round < 10; round++) {
          await client.query('UPDATE hits SET n = n + 1 WHERE id = $1', [1]);
          const { rows } = await client.query('SELECT $1::int4 AS me', [index]);
          expect(rows).toEqual([{ me: index }]);
        }
      }),
    );
    expect((await setup.query('SELECT n FROM hits WHERE id = 1')).rows).toEqual([{ n: '200' }]);
  });

  it('reports the session parameters PostgreSQL clients expect', async () => {
    const client = await running().client();
    const parameters = (client as unknown as { connection: unknown; processID: number; secretKey: number });
    expect(parameters.processID).toBeGreaterThan(0);
    const show = async (name: string): Promise<string> => Object.values((await client.query(`SHOW ${name}`)).rows[0] as object)[0] as string;
    expect(await show('server_version')).toMatch(/^15\./);
    expect(await show('client_encoding')).toBe('UTF8');
    expect(await show('TimeZone')).toBe('UTC');
    expect(await show('is_superuser')).toBe('on');
    await client.query('SET statement_timeout = 5000');
    expect(await show('statement_timeout')).toBe('5s');
    await client.query('RESET statement_timeout');
    expect(await show('statement_timeout')).toBe('0');
    await expect(client.query('SET no_such_setting = 1')).rejects.toMatchObject({ code: '42704' });
    await expect(client.query('SET server_version = 1')).rejects.toMatchObject({ code: '55P02' });
    expect((await client.query('SELECT version() AS v')).rows[0].v).toMatch(/^PostgreSQL 15/);
  });

  it('refuses a wrong password, an unknown user and another database', async () => {
    const { port } = running();
    const attempt = async (config: pg.ClientConfig): Promise<unknown> => {
      const client = new pg.Client({ host: '127.0.0.1', port, ...config });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.end();
        return undefined;
      } catch (error) {
        return error;
      }
    };
    expect(await attempt({ user: 'admin', password: 'wrong', database: 'admin' })).toMatchObject({ code: '28P01' });
    const unknown = await attempt({ user: 'nobody', password: 'wrong', database: 'nobody' });
    expect(unknown).toMatchObject({ code: '28P01', message: 'password authentication failed for user "nobody"' });
    expect(await attempt({ user: 'admin', password: 'admin', database: 'postgres' })).toMatchObject({ code: '3D000' });
    expect(await attempt({ user: 'admin', password: 'admin', database: 'admin' })).toBeUndefined();
  });
});
