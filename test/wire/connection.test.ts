/**
 * The connection state machine driven message by message, without a socket: bytes from
 * pg-protocol's client serializer in, answers read by pg-protocol's client parser, timers
 * and the memory's pace under the test's control (STYLE 5).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../compiler/catalog.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { Memory, ScanPage, ScanRequest } from '../../store/memory.js';
import { Accounts } from '../../wire/accounts.js';
import { Connection, SessionRegistry, type ServerServices } from '../../wire/connection.js';
import { pgSasl } from './pg-sasl.js';


type BackendMessage = { name: string } & Record<string, unknown>;

/** A memory whose scans wait at a gate while one is set, so a statement can be caught mid-run. */
class GatedMemory {
  gate: Promise<void> | undefined;
  private arrived: (() => void) | undefined;

  constructor(readonly inner: Memory) {}

  /** Closes the gate; resolves `blocked` when a scan reaches it; call the returned function to open it. */
  close(): { blocked: Promise<void>; open: () => void } {
    let open!: () => void;
    this.gate = new Promise((resolve) => (open = resolve));
    const blocked = new Promise<void>((resolve) => (this.arrived = resolve));
    return { blocked, open: () => ((this.gate = undefined), open()) };
  }

  memory(): Memory {
    const inner = this.inner;
    const gated: Memory = {
      load: (address) => inner.load(address),
      write: (address, value) => inner.write(address, value),
      compare: (address, expected) => inner.compare(address, expected),
      cas: (address, expected, next) => inner.cas(address, expected, next),
      delete: (address) => inner.delete(address),
      append: (log, payload) => inner.append(log, payload),
      readRecord: (log, record) => inner.readRecord(log, record),
      dropRecordsBefore: (log, record) => inner.dropRecordsBefore(log, record),
      dropLog: (log) => inner.dropLog(log),
      durable: () => inner.durable(),
      session: () => gated,
      scan: async (request: ScanRequest): Promise<ScanPage> => {
        const gate = this.gate;
        if (gate !== undefined) {
          this.arrived?.();
          await gate;
        }
        return inner.scan(request);
      },
    };
    return gated;
  }
}

class ScriptedClient {
  readonly messages: BackendMessage[] = [];
  ended = false;
  readonly connection: Connection;
  private readonly parser = new Parser();

  constructor(services: ServerServices) {
    this.connection = new Connection(services, {
      write: async (bytes) => {
        this.parser.parse(Buffer.from(bytes), (message) => this.messages.push(message as unknown as BackendMessage));
      },
      end: () => {
        this.ended = true;
      },
      pauseInput: () => {},
      resumeInput: () => {},
    });
  }

  /** Feeds the bytes without waiting for the answers. */
  feed(...chunks: Buffer[]): void {
    for (const chunk of chunks) this.connection.receive(chunk);
  }

  async send(...chunks: Buffer[]): Promise<BackendMessage[]> {
    this.feed(...chunks);
    await this.connection.idle();
    return this.take();
  }

  take(): BackendMessage[] {
    return this.messages.splice(0);
  }

  async login(user: string, password: string): Promise<{ processID: number; secretKey: number }> {
    const offered = await this.send(serialize.startup({ user, database: user }));
    expect(offered.map((message) => message.name)).toEqual(['authenticationSASL']);
    const session = pgSasl.startSession(['SCRAM-SHA-256']);
    const [serverFirst] = await this.send(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', session.response));
    await pgSasl.continueSession(session, password, serverFirst!['data'] as string);
    const answers = await this.send(serialize.sendSCRAMClientFinalMessage(session.response));
    const names = answers.map((message) => message.name);
    expect(names.slice(0, 2)).toEqual(['authenticationSASLFinal', 'authenticationOk']);
    expect(names.slice(-2)).toEqual(['backendKeyData', 'readyForQuery']);
    const statuses = Object.fromEntries(
      answers.filter((message) => message.name === 'parameterStatus').map((message) => [message['parameterName'], message['parameterValue']]),
    );
    expect(statuses).toMatchObject({
      server_version: expect.stringMatching(/^15\./),
      server_encoding: 'UTF8',
      client_encoding: 'UTF8',
      DateStyle: 'ISO, MDY',
      TimeZone: 'UTC',
      integer_datetimes: 'on',
      standard_conforming_strings: 'on',
      application_name: '',
      is_superuser: 'on',
      session_authorization: user,
    });
    const key = answers.find((message) => message.name === 'backendKeyData')!;
    return { processID: key['processID'] as number, secretKey: key['secretKey'] as number };
  }
}

describe('connection state machine', () => {
  let directory: string;
  let local: LocalMemory;
  let gated: GatedMemory;
  let timers: (() => void)[];
  let services: ServerServices;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'dmachine-connection-'));
    local = LocalMemory.open(directory);
    gated = new GatedMemory(local);
    const memory = gated.memory();
    timers = [];
    const accounts = new Accounts(memory, { scramIterations: 64 });
    await accounts.bootstrapAdmin('admin', 'secret');
    services = {
      memory,
      catalog: new Catalog({ memory }),
      accounts,
      registry: new SessionRegistry(2, randomBytes),
      mockSecret: randomBytes(32),
      randomBytes,
      statementTimeoutMilliseconds: 0,
      setTimer: (_milliseconds, callback) => {
        timers.push(callback);
        return () => (timers = timers.filter((timer) => timer !== callback));
      },
    };
  });

  afterEach(async () => {
    await local.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const names = (messages: BackendMessage[]): string[] => messages.map((message) => message.name);

  it('answers SSLRequest and GSSENCRequest with N when TLS is not configured', async () => {
    const client = new ScriptedClient(services);
    const ssl = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    const gss = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30]);
    client.feed(ssl, gss);
    await client.connection.idle();
    // 'N' is a bare byte, not a message: pg-protocol's parser holds it; the next startup still works.
    expect(client.ended).toBe(false);
  });

  it('sends one CommandComplete per statement of a simple query, and EmptyQueryResponse', async () => {
    const client = new ScriptedClient(services);
    await client.login('admin', 'secret');
    const answers = await client.send(serialize.query('CREATE TABLE t (id int4 PRIMARY KEY); INSERT INTO t VALUES (1), (2); SELECT id FROM t WHERE id = 2; DELETE FROM t WHERE id = 1'));
    expect(names(answers)).toEqual(['commandComplete', 'commandComplete', 'rowDescription', 'dataRow', 'commandComplete', 'commandComplete', 'readyForQuery']);
    expect(answers.filter((message) => message.name === 'commandComplete').map((message) => message['text'])).toEqual(['CREATE TABLE', 'INSERT 0 2', 'SELECT 1', 'DELETE 1']);
    expect(names(await client.send(serialize.query('')))).toEqual(['emptyQuery', 'readyForQuery']);
    const failed = await client.send(serialize.query('SELECT 1; SELECT nope FROM t; SELECT 3'));
    expect(names(failed)).toEqual(['rowDescription', 'dataRow', 'commandComplete', 'error', 'readyForQuery']);
    expect(failed[3]).toMatchObject({ code: '42703', position: '18' }); // counted from the start of the whole string
  });

  it('discards extended messages after an error until Sync and sends exactly one ReadyForQuery', async () => {
    const client = new ScriptedClient(services);
    await client.login('admin', 'secret');
    const answers = await client.send(
      serialize.parse({ text: 'SELEC 1' }),
      serialize.bind({}),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.parse({ name: 'later', text: 'SELECT 1' }),
      serialize.sync(),
    );
    expect(names(answers)).toEqual(['error', 'readyForQuery']);
    expect(answers[0]).toMatchObject({ code: '42601' });
    const retry = await client.send(
      serialize.parse({ name: 'later', text: 'SELECT $1::int4 + 1 AS n', types: [] }),
      serialize.describe({ type: 'S', name: 'later' }),
      serialize.bind({ statement: 'later', values: ['41'] }),
      serialize.execute({}),
      serialize.sync(),
    );
    expect(names(retry)).toEqual(['parseComplete', 'parameterDescription', 'rowDescription', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);
    expect(retry[1]).toMatchObject({ dataTypeIDs: [23] });
    expect(retry[4]).toMatchObject({ fields: ['42'] });
  });

  it('takes declared parameter types and binary parameters and results', async () => {
    const client = new ScriptedClient(services);
    await client.login('admin', 'secret');
    const answers = await client.send(
      serialize.parse({ name: 'typed', text: 'SELECT $1 AS big, $2 AS flag', types: [20, 16] }),
      serialize.describe({ type: 'S', name: 'typed' }),
      // Buffer values go out in the binary format: int8 42 and bool true.
      serialize.bind({ statement: 'typed', values: [Buffer.from('000000000000002a', 'hex'), Buffer.from([1])], binary: true }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    );
    expect(names(answers)).toEqual(['parseComplete', 'parameterDescription', 'rowDescription', 'bindComplete', 'rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
    expect(answers[1]).toMatchObject({ dataTypeIDs: [20, 16] });
    expect(answers[4]).toMatchObject({ fields: [{ name: 'big', dataTypeID: 20, dataTypeSize: 8, format: 'binary' }, { name: 'flag', dataTypeID: 16, dataTypeSize: 1, format: 'binary' }] });
    expect(answers[5]).toMatchObject({ fieldCount: 2 });
    const wrongCount = await client.send(serialize.bind({ statement: 'typed', values: ['1'] }), serialize.execute({}), serialize.sync());
    expect(names(wrongCount)).toEqual(['error', 'readyForQuery']);
    expect(wrongCount[0]).toMatchObject({ code: '08P01', severity: 'ERROR' });
    expect(client.ended).toBe(false);
  });

  it('suspends a portal at the row limit and resumes it', async () => {
    const client = new ScriptedClient(services);
    await client.login('admin', 'secret');
    await client.send(serialize.query('CREATE TABLE t (id int4 PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)'));
    const first = await client.send(serialize.parse({ text: 'SELECT id FROM t' }), serialize.bind({ portal: 'p' }), serialize.execute({ portal: 'p', rows: 2 }), serialize.flush());
    expect(names(first)).toEqual(['parseComplete', 'bindComplete', 'dataRow', 'dataRow', 'portalSuspended']);
    const rest = await client.send(serialize.execute({ portal: 'p', rows: 2 }), serialize.sync());
    expect(names(rest)).toEqual(['dataRow', 'commandComplete', 'readyForQuery']);
    expect(rest[1]).toMatchObject({ text: 'SELECT 1' });
    const gone = await client.send(serialize.execute({ portal: 'p' }), serialize.sync());
    expect(gone[0]).toMatchObject({ name: 'error', code: '34000' });
  });

  it('cancels the running statement of the session named by the CancelRequest only', async () => {
    const client = new ScriptedClient(services);
    const key = await client.login('admin', 'secret');
    await client.send(serialize.query('CREATE TABLE t (id int4 PRIMARY KEY); INSERT INTO t VALUES (1)'));
    const { blocked, open } = gated.close();
    client.feed(serialize.query('SELECT id FROM t'));
    await blocked;
    const canceller = new ScriptedClient(services);
    expect(await canceller.send(serialize.cancel(key.processID, key.secretKey + 1))).toEqual([]); // wrong key: nothing
    expect(canceller.ended).toBe(true);
    const second = new ScriptedClient(services);
    expect(await second.send(serialize.cancel(key.processID, key.secretKey))).toEqual([]);
    open();
    await client.connection.idle();
    const answers = client.take();
    expect(names(answers)).toEqual(['error', 'readyForQuery']);
    expect(answers[0]).toMatchObject({ code: '57014', message: 'canceling statement due to user request' });
    expect(names(await client.send(serialize.query('SELECT id FROM t')))).toEqual(['rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
  });

  it('stops a statement at statement_timeout', async () => {
    const client = new ScriptedClient(services);
    await client.login('admin', 'secret');
    await client.send(serialize.query("CREATE TABLE t (id int4 PRIMARY KEY); INSERT INTO t VALUES (1); SET statement_timeout = '250ms'"));
    const { blocked, open } = gated.close();
    client.feed(serialize.query('SELECT id FROM t'));
    await blocked;
    expect(timers).toHaveLength(1);
    timers[0]!();
    open();
    await client.connection.idle();
    const answers = client.take();
    expect(answers[0]).toMatchObject({ name: 'error', code: '57014', message: 'canceling statement due to statement timeout' });
    expect(timers).toHaveLength(0);
  });

  it('lets the in-flight statement finish on shutdown, then ends the session with 57P01', async () => {
    const client = new ScriptedClient(services);
    await client.login('admin', 'secret');
    await client.send(serialize.query('CREATE TABLE t (id int4 PRIMARY KEY); INSERT INTO t VALUES (1)'));
    const { blocked, open } = gated.close();
    client.feed(serialize.query('SELECT id FROM t'));
    await blocked;
    const stopped = client.connection.shutdown();
    client.feed(serialize.query('SELECT 2')); // arrives during shutdown: dropped
    open();
    await stopped;
    const answers = client.take();
    expect(names(answers)).toEqual(['rowDescription', 'dataRow', 'commandComplete', 'readyForQuery', 'error']);
    expect(answers[4]).toMatchObject({ code: '57P01', severity: 'FATAL' });
    expect(client.ended).toBe(true);
  });

  it('refuses connections beyond the maximum with 53300', async () => {
    const first = new ScriptedClient(services);
    const second = new ScriptedClient(services);
    await first.login('admin', 'secret');
    await second.login('admin', 'secret');
    const third = new ScriptedClient(services);
    const answers = await third.send(serialize.startup({ user: 'admin', database: 'admin' }));
    expect(answers[0]).toMatchObject({ name: 'error', code: '53300', severity: 'FATAL' });
    expect(third.ended).toBe(true);
    first.connection.disconnected();
    await new ScriptedClient(services).login('admin', 'secret');
  });

  it('closes on garbage with a FATAL 08P01', async () => {
    const client = new ScriptedClient(services);
    await client.login('admin', 'secret');
    const answers = await client.send(Buffer.from('this is not a message'));
    expect(answers[0]).toMatchObject({ name: 'error', code: '08P01', severity: 'FATAL' });
    expect(client.ended).toBe(true);
    expect(client.connection.closed).toBe(true);
  });
});
