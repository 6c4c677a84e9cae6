/**
 * Clients that misbehave on raw sockets: garbage, truncated messages, oversized lengths,
 * a disconnect in the middle of a result. Another session keeps being served and the
 * stored data stays intact.
 */
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import { serverPerTest } from './server-fixture.js';

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Everything the server sends until it closes the socket. */
function readUntilClosed(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

describe('robustness', () => {
  const running = serverPerTest();

  /** A table of `rows` rows of `width` bytes; the mid-result test needs more than one flush of answer bytes (256 KiB). */
  let rowCount = 300;
  let bodyBytes = 100;
  async function seeded(rows = 300, width = 100) {
    rowCount = rows;
    bodyBytes = width;
    const client = await running().client();
    await client.query('CREATE TABLE kept (id int4 PRIMARY KEY, body text)');
    const values = Array.from({ length: rows }, (_, index) => `(${index}, '${'x'.repeat(width)}')`).join(', ');
    await client.query(`INSERT INTO kept (id, body) VALUES ${values}`);
    return client;
  }

  async function expectIntact(client: Awaited<ReturnType<typeof seeded>>): Promise<void> {
    expect((await client.query('SELECT id, body FROM kept WHERE id = $1', [rowCount - 1])).rows).toEqual([{ id: rowCount - 1, body: 'x'.repeat(bodyBytes) }]);
    expect((await client.query('SELECT id FROM kept')).rowCount).toBe(rowCount);
  }

  it('closes a connection that sends garbage with FATAL 08P01, before and after startup', async () => {
    const client = await seeded();
    const before = await openSocket(running().port);
    const beforeAnswer = readUntilClosed(before);
    before.write(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
    const answer = await beforeAnswer;
    expect(answer.length === 0 || answer[0] === 0x45).toBe(true); // nothing or an ErrorResponse
    const garbage = await openSocket(running().port);
    const closed = readUntilClosed(garbage);
    garbage.write(Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 131) % 256)));
    await closed;
    await expectIntact(client);
  });

  it('survives truncated messages and disconnects mid-message', async () => {
    const client = await seeded();
    for (const cut of [1, 3, 7, 20]) {
      const socket = await openSocket(running().port);
      const startup = serialize.startup({ user: 'admin', database: 'admin' });
      socket.write(startup.subarray(0, Math.min(cut, startup.length - 1)));
      await new Promise((resolve) => setTimeout(resolve, 5));
      socket.destroy();
    }
    const query = serialize.query('INSERT INTO kept (id, body) VALUES (5000, \'never\')');
    const socket = await openSocket(running().port);
    socket.write(query.subarray(0, 10)); // a typed message before startup, cut short
    socket.destroy();
    await expectIntact(client);
    expect((await client.query('SELECT id FROM kept WHERE id = 5000')).rows).toEqual([]);
  });

  it('refuses oversized declared lengths on their header', async () => {
    const client = await seeded();
    const socket = await openSocket(running().port);
    const closed = readUntilClosed(socket);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(0x7fffffff, 0);
    header.writeUInt32BE(196608, 4);
    socket.write(header);
    const answer = await closed;
    expect(answer[0]).toBe(0x45); // 'E': FATAL ErrorResponse, then close
    expect(answer.toString('latin1')).toContain('08P01');
    await expectIntact(client);
  });

  it('keeps serving when a client disconnects in the middle of a large result', async () => {
    const client = await seeded(200, 3000);
    const victim = await running().client();
    const socket = (victim as unknown as { connection: { stream: Socket } }).connection.stream;
    const pending = victim.query('SELECT id, body FROM kept').catch((error: unknown) => error);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.destroy();
    await pending;
    await expectIntact(client);
    const other = await running().client();
    expect((await other.query('SELECT 1 AS alive')).rows).toEqual([{ alive: 1 }]);
  });
});
