/**
 * The frontend parser against bytes built by an independent path: pg-protocol's
 * client-side serializer (what node-postgres sends). Every stream is split at every
 * offset and in random chunks; malformed input may only raise SqlError 08P01.
 */
import fc from 'fast-check';
import { serialize } from 'pg-protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { controlMessageBytesMax, messageBytesMax, passwordMessageBytesMax, startupMessageBytesMax } from '../../common/limits.js';
import { SqlError } from '../../common/sql-error.js';
import {
  decodeSaslInitialResponse,
  FrontendParser,
  type FrontendMessage,
} from '../../wire/frontend-parser.js';
import { StartupCode } from '../../wire/message-codes.js';

/** Messages as plain data, Buffers as hex, so toEqual compares content. */
function plain(messages: readonly FrontendMessage[]): unknown[] {
  return JSON.parse(
    JSON.stringify(messages, (_key, value: unknown) => {
      if (value instanceof Map) return Object.fromEntries(value);
      if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
        return Buffer.from((value as { data: number[] }).data).toString('hex');
      }
      return value;
    }),
  ) as unknown[];
}

/** A parser already past startup, as the session leaves it. */
function typedParser(): FrontendParser {
  const parser = new FrontendParser();
  parser.feedAll(serialize.startup({ user: 'admin' }));
  expect(parser.phase).toBe('typed');
  return parser;
}

/** Feeds `bytes` in the given chunk sizes (the last chunk takes the rest). */
function parseInChunks(parser: FrontendParser, bytes: Buffer, cuts: readonly number[]): FrontendMessage[] {
  const messages: FrontendMessage[] = [];
  let offset = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.feed(bytes.subarray(offset, Math.max(offset, cut)), (message) => messages.push(message));
    offset = Math.max(offset, cut);
  }
  parser.feed(bytes.subarray(offset), (message) => messages.push(message));
  return messages;
}

function gssencRequest(): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeInt32BE(8, 0);
  bytes.writeInt32BE(StartupCode.GSSENCRequest, 4);
  return bytes;
}

/** A typed message with an arbitrary body, framed by hand. */
function typed(code: string, body: Buffer | string, declaredBytes?: number): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body, 'binary') : body;
  const header = Buffer.alloc(5);
  header[0] = code.charCodeAt(0);
  header.writeUInt32BE(declaredBytes ?? payload.length + 4, 1);
  return Buffer.concat([header, payload]);
}

function startupPacket(body: Buffer, declaredBytes?: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(declaredBytes ?? body.length + 4, 0);
  return Buffer.concat([header, body]);
}

function expectProtocolError(action: () => unknown, pattern?: RegExp): SqlError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SqlError);
  const error = caught as SqlError;
  expect(error.sqlstate).toBe('08P01');
  if (pattern !== undefined) expect(error.message).toMatch(pattern);
  return error;
}

const startupStream = Buffer.concat([
  serialize.requestSsl(),
  gssencRequest(),
  serialize.startup({ user: 'alice', database: 'alice', application_name: 'tést' }),
]);

const startupExpected = [
  { kind: 'SSLRequest' },
  { kind: 'GSSENCRequest' },
  {
    kind: 'StartupMessage',
    protocolMajor: 3,
    protocolMinor: 0,
    parameters: { user: 'alice', database: 'alice', application_name: 'tést', client_encoding: 'UTF8' },
  },
];

const typedStream = Buffer.concat([
  serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=,r=abc'),
  serialize.sendSCRAMClientFinalMessage('c=biws,r=abcdef,p=xyz'),
  serialize.query('SELECT 1; SELECT \'ünïcode\''),
  serialize.query(''),
  serialize.parse({ name: 's1', text: 'SELECT $1, $2', types: [23, 25] }),
  serialize.parse({ text: 'SELECT 2' }),
  serialize.bind({ portal: 'p1', statement: 's1', values: ['42', null, Buffer.from([0, 1, 2, 255])], binary: true }),
  serialize.bind(),
  serialize.describe({ type: 'S', name: 's1' }),
  serialize.describe({ type: 'P' }),
  serialize.execute({ portal: 'p1', rows: 10 }),
  serialize.execute(),
  serialize.close({ type: 'S', name: 's1' }),
  serialize.close({ type: 'P', name: 'p1' }),
  serialize.flush(),
  serialize.sync(),
  serialize.copyData(Buffer.from('1\t2\n')),
  serialize.copyDone(),
  serialize.copyFail('no thanks'),
  serialize.end(),
]);

const typedExpected = [
  { kind: 'PasswordMessage', data: Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), Buffer.from([0, 0, 0, 11]), Buffer.from('n,,n=,r=abc')]).toString('hex') },
  { kind: 'PasswordMessage', data: Buffer.from('c=biws,r=abcdef,p=xyz').toString('hex') },
  { kind: 'Query', sql: "SELECT 1; SELECT 'ünïcode'" },
  { kind: 'Query', sql: '' },
  { kind: 'Parse', name: 's1', sql: 'SELECT $1, $2', parameterTypeOids: [23, 25] },
  { kind: 'Parse', name: '', sql: 'SELECT 2', parameterTypeOids: [] },
  {
    kind: 'Bind',
    portal: 'p1',
    statement: 's1',
    parameterFormats: [0, 0, 1],
    parameters: [Buffer.from('42').toString('hex'), null, '000102ff'],
    resultFormats: [1],
  },
  { kind: 'Bind', portal: '', statement: '', parameterFormats: [], parameters: [], resultFormats: [0] },
  { kind: 'Describe', target: 'S', name: 's1' },
  { kind: 'Describe', target: 'P', name: '' },
  { kind: 'Execute', portal: 'p1', rowsMax: 10 },
  { kind: 'Execute', portal: '', rowsMax: 0 },
  { kind: 'Close', target: 'S', name: 's1' },
  { kind: 'Close', target: 'P', name: 'p1' },
  { kind: 'Flush' },
  { kind: 'Sync' },
  { kind: 'CopyData', data: Buffer.from('1\t2\n').toString('hex') },
  { kind: 'CopyDone' },
  { kind: 'CopyFail', message: 'no thanks' },
  { kind: 'Terminate' },
];

describe('frontend parser: framing', () => {
  it('parses the startup packets pg-protocol sends, and switches to typed messages by itself', () => {
    const parser = new FrontendParser();
    expect(plain(parser.feedAll(startupStream))).toEqual(startupExpected);
    expect(parser.phase).toBe('typed');
    expect(parser.bufferedBytes).toBe(0);
  });

  it('parses every typed message pg-protocol sends', () => {
    expect(plain(typedParser().feedAll(typedStream))).toEqual(typedExpected);
  });

  it('frames a query pipelined behind the startup message in the same chunk', () => {
    const parser = new FrontendParser();
    const messages = parser.feedAll(Buffer.concat([serialize.startup({ user: 'u' }), serialize.query('SELECT 1')]));
    expect(messages.map((message) => message.kind)).toEqual(['StartupMessage', 'Query']);
  });

  it('assembles a 1 MiB query that arrives in 4 KiB chunks', () => {
    const sql = `SELECT '${'x'.repeat(1024 * 1024)}'`;
    const stream = serialize.query(sql);
    const cuts = Array.from({ length: Math.floor(stream.length / 4096) }, (_, index) => (index + 1) * 4096);
    expect(parseInChunks(typedParser(), stream, cuts)).toEqual([{ kind: 'Query', sql }]);
  });

  it('reports a newer minor protocol version for the session to negotiate', () => {
    const body = Buffer.concat([Buffer.from([0, 3, 0, 2]), Buffer.from('user\0u\0_pq_.x\0y\0\0')]);
    expect(plain(new FrontendParser().feedAll(startupPacket(body)))).toEqual([
      { kind: 'StartupMessage', protocolMajor: 3, protocolMinor: 2, parameters: { user: 'u', '_pq_.x': 'y' } },
    ]);
  });

  it('parses a CancelRequest and refuses anything after it', () => {
    const parser = new FrontendParser();
    expect(parser.feedAll(serialize.cancel(1234, -5678))).toEqual([
      { kind: 'CancelRequest', processId: 1234, secretKey: -5678 },
    ]);
    expect(parser.phase).toBe('ended');
    expectProtocolError(() => parser.feedAll(Buffer.from([0])), /after CancelRequest/);
  });

  for (const [name, stream, expected, makeParser] of [
    ['startup', startupStream, startupExpected, () => new FrontendParser()],
    ['typed', typedStream, typedExpected, typedParser],
  ] as const) {
    it(`gives the same ${name} messages when the stream is split at every offset`, () => {
      for (let cut = 0; cut <= stream.length; cut++) {
        expect(plain(parseInChunks(makeParser(), stream, [cut]))).toEqual(expected);
      }
    });

    it(`gives the same ${name} messages fed one byte at a time`, () => {
      const cuts = Array.from({ length: stream.length }, (_, index) => index);
      expect(plain(parseInChunks(makeParser(), stream, cuts))).toEqual(expected);
    });

    it(`gives the same ${name} messages in random chunks`, () => {
      fc.assert(
        fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 40 }), (cuts) => {
          expect(plain(parseInChunks(makeParser(), stream, cuts))).toEqual(expected);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('round-trips random messages serialized by pg-protocol, in random chunks', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map((value) => value.replaceAll('\0', ''));
    const name = fc.string({ maxLength: 10 }).map((value) => value.replaceAll('\0', ''));
    const message = fc.oneof(
      text.map((sql) => ({ bytes: serialize.query(sql), expected: { kind: 'Query', sql } })),
      fc.tuple(name, text, fc.array(fc.integer({ min: 0, max: 0x7fffffff }), { maxLength: 5 })).map(([statement, sql, types]) => ({
        bytes: serialize.parse({ name: statement, text: sql, types }),
        expected: { kind: 'Parse', name: statement, sql, parameterTypeOids: types },
      })),
      fc
        .tuple(name, name, fc.array(fc.option(fc.oneof(text, fc.uint8Array({ maxLength: 8 }))), { maxLength: 5 }), fc.boolean())
        .map(([portal, statement, values, binary]) => ({
          bytes: serialize.bind({
            portal,
            statement,
            binary,
            values: values.map((value) => (value instanceof Uint8Array ? Buffer.from(value) : value)),
          }),
          expected: {
            kind: 'Bind',
            portal,
            statement,
            parameterFormats: values.map((value) => (value instanceof Uint8Array ? 1 : 0)),
            parameters: values.map((value) =>
              value === null ? null : Buffer.from(value instanceof Uint8Array ? value : Buffer.from(value, 'utf8')).toString('hex'),
            ),
            resultFormats: [binary ? 1 : 0],
          },
        })),
      fc.tuple(name, fc.integer({ min: 0, max: 0x7fffffff })).map(([portal, rows]) => ({
        bytes: serialize.execute({ portal, rows }),
        expected: { kind: 'Execute', portal, rowsMax: rows },
      })),
      fc.constantFrom(
        { bytes: serialize.sync(), expected: { kind: 'Sync' } },
        { bytes: serialize.flush(), expected: { kind: 'Flush' } },
      ),
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (messages, rawCuts) => {
        const stream = Buffer.concat(messages.map((entry) => entry.bytes));
        const cuts = rawCuts.map((cut) => cut % (stream.length + 1));
        expect(plain(parseInChunks(typedParser(), stream, cuts))).toEqual(messages.map((entry) => entry.expected));
      }),
      { numRuns: 300 },
    );
  });
});

describe('frontend parser: SASL bodies', () => {
  it('decodes a SASLInitialResponse as pg-protocol sends it', () => {
    const [message] = typedParser().feedAll(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=,r=nonce'));
    expect(message?.kind).toBe('PasswordMessage');
    const response = decodeSaslInitialResponse((message as { data: Buffer }).data);
    expect(response.mechanism).toBe('SCRAM-SHA-256');
    expect(response.data?.toString()).toBe('n,,n=,r=nonce');
  });

  it('decodes a SASLInitialResponse without data (length -1)', () => {
    const body = Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(decodeSaslInitialResponse(body)).toEqual({ mechanism: 'SCRAM-SHA-256', data: null });
  });

  it('refuses malformed SASLInitialResponse bodies with 08P01', () => {
    expectProtocolError(() => decodeSaslInitialResponse(Buffer.from('SCRAM-SHA-256')), /NUL terminator/);
    expectProtocolError(() => decodeSaslInitialResponse(Buffer.from('M\0\0\0')), /runs past the end/);
    expectProtocolError(() => decodeSaslInitialResponse(Buffer.from('M\0\0\0\0\x05abc')), /runs past the end/);
    expectProtocolError(() => decodeSaslInitialResponse(Buffer.from('M\0\xff\xff\xff\xfe', 'binary')), /length -2/);
    expectProtocolError(() => decodeSaslInitialResponse(Buffer.from('M\0\0\0\0\x01ab')), /unexpected bytes/);
  });
});

describe('frontend parser: protocol errors', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('refuses a declared length of 2^31-1 on its header alone, without allocating', () => {
    const allocations: number[] = [];
    for (const method of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
      const original = Buffer[method].bind(Buffer) as (size: number) => Buffer;
      vi.spyOn(Buffer, method).mockImplementation(((size: number, ...rest: unknown[]) => {
        allocations.push(size);
        return (original as (...args: unknown[]) => Buffer)(size, ...rest);
      }) as never);
    }
    const typedHeader = Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]);
    const startupHeader = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
    const parser = typedParser();
    expectProtocolError(() => parser.feedAll(typedHeader), /invalid message length 2147483647/);
    expectProtocolError(() => new FrontendParser().feedAll(startupHeader), /invalid length of startup packet: 2147483647/);
    expect(allocations.every((size) => size < 1024)).toBe(true);
  });

  it('enforces each limit at its boundary', () => {
    // At the limit the parser waits for the body; one byte more is refused at once.
    const atLimit = typedParser();
    expect(atLimit.feedAll(typed('Q', Buffer.alloc(0), messageBytesMax))).toEqual([]);
    expectProtocolError(() => typedParser().feedAll(typed('Q', Buffer.alloc(0), messageBytesMax + 1)), /invalid message length/);
    expectProtocolError(() => typedParser().feedAll(typed('B', Buffer.alloc(0), messageBytesMax + 1)), /invalid message length/);
    expectProtocolError(() => typedParser().feedAll(typed('S', Buffer.alloc(0), controlMessageBytesMax + 1)), /invalid message length/);
    expect(typedParser().feedAll(typed('S', Buffer.alloc(0), controlMessageBytesMax))).toEqual([]);
    expectProtocolError(() => typedParser().feedAll(typed('p', Buffer.alloc(0), passwordMessageBytesMax + 1)), /invalid message length/);
    expect(new FrontendParser().feedAll(startupPacket(Buffer.alloc(0), startupMessageBytesMax))).toEqual([]);
    expectProtocolError(() => new FrontendParser().feedAll(startupPacket(Buffer.alloc(0), startupMessageBytesMax + 1)), /startup packet/);
  });

  it('refuses declared lengths below the minimum', () => {
    for (const declared of [0, 3, 0xffffffff]) {
      expectProtocolError(() => typedParser().feedAll(typed('S', Buffer.alloc(0), declared)), /invalid message length/);
    }
    for (const declared of [0, 4, 7, 0xffffffff]) {
      expectProtocolError(() => new FrontendParser().feedAll(startupPacket(Buffer.alloc(4), declared)), /startup packet/);
    }
  });

  it('refuses an unknown message type on its first byte', () => {
    for (const code of [0x00, 0x46 /* F: FunctionCall */, 0x7a, 0xff]) {
      expectProtocolError(() => typedParser().feedAll(Buffer.from([code])), /invalid frontend message type/);
    }
  });

  const malformedTyped: readonly [string, Buffer, RegExp][] = [
    ['Query without its NUL', typed('Q', 'SELECT 1'), /NUL terminator/],
    ['Query with trailing bytes', typed('Q', 'SELECT 1\0x'), /1 unexpected bytes/],
    ['Query with invalid UTF-8', typed('Q', Buffer.from([0xc3, 0x28, 0])), /not valid UTF-8/],
    ['Sync with a body', typed('S', 'x'), /unexpected bytes/],
    ['Terminate with a body', typed('X', 'xy'), /unexpected bytes/],
    ['Parse whose type count runs past the end', typed('P', Buffer.from('\0SELECT 1\0\x03\xe8\0\0\0\x17', 'binary')), /1000 parameter types run past/],
    ['Parse without its type count', typed('P', '\0SELECT 1\0'), /runs past the end/],
    ['Bind whose parameter runs past the end', typed('B', Buffer.from('\0\0\0\0\0\x01\0\0\0\x64abc\0\0', 'binary')), /runs past the end/],
    ['Bind with parameter length -2', typed('B', Buffer.from('\0\0\0\0\0\x01\xff\xff\xff\xfe\0\0', 'binary')), /parameter length -2/],
    ['Bind with 2 formats for 3 parameters', typed('B', Buffer.from('\0\0\0\x02\0\0\0\0\0\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0', 'binary')), /2 parameter formats but 3 parameters/],
    ['Bind with format code 2', typed('B', Buffer.from('\0\0\0\x01\0\x02\0\0\0\0', 'binary')), /unsupported format code: 2/],
    ['Bind with 65535 parameters and no room', typed('B', Buffer.from('\0\0\0\0\xff\xff', 'binary')), /65535 parameters run past/],
    ['Bind without result formats', typed('B', '\0\0\0\0\0\0'), /runs past the end/],
    ['Describe of an unknown target', typed('D', 'X\0'), /invalid Describe message subtype 'X'/],
    ['Close without a target', typed('C', ''), /runs past the end/],
    ['Execute without its row count', typed('E', '\0\0\0'), /runs past the end/],
    ['CopyFail without its NUL', typed('f', 'oops'), /NUL terminator/],
  ];
  for (const [name, bytes, pattern] of malformedTyped) {
    it(`refuses ${name}`, () => {
      expectProtocolError(() => typedParser().feedAll(bytes), pattern);
    });
  }

  const version = (major: number, minor: number): Buffer => Buffer.from([major >> 8, major & 0xff, minor >> 8, minor & 0xff]);
  const malformedStartup: readonly [string, Buffer, RegExp][] = [
    ['protocol 2.0', startupPacket(Buffer.concat([version(2, 0), Buffer.from('user\0u\0\0')])), /unsupported frontend protocol 2.0/],
    ['a startup message without its final terminator', startupPacket(Buffer.concat([version(3, 0), Buffer.from('user\0u\0')])), /NUL terminator/],
    ['a parameter without a value', startupPacket(Buffer.concat([version(3, 0), Buffer.from('user\0')])), /NUL terminator/],
    ['bytes after the terminator', startupPacket(Buffer.concat([version(3, 0), Buffer.from('user\0u\0\0x')])), /expected terminator as last byte/],
    ['an SSLRequest with a body', startupPacket(Buffer.concat([Buffer.from([0x04, 0xd2, 0x16, 0x2f]), Buffer.from('x')])), /unexpected bytes/],
    ['a short CancelRequest', startupPacket(Buffer.from([0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1])), /runs past the end/],
    ['a duplicate SSLRequest', Buffer.concat([serialize.requestSsl(), serialize.requestSsl()]), /duplicate SSLRequest/],
    ['a duplicate GSSENCRequest', Buffer.concat([gssencRequest(), gssencRequest()]), /duplicate GSSENCRequest/],
  ];
  for (const [name, bytes, pattern] of malformedStartup) {
    it(`refuses ${name}`, () => {
      expectProtocolError(() => new FrontendParser().feedAll(bytes), pattern);
    });
  }

  it('delivers the messages before an error, then throws the same error on every call', () => {
    const parser = typedParser();
    const delivered: FrontendMessage[] = [];
    const first = expectProtocolError(() =>
      parser.feed(Buffer.concat([serialize.sync(), serialize.query('SELECT 1'), Buffer.from([0x00])]), (message) => delivered.push(message)),
    );
    expect(delivered.map((message) => message.kind)).toEqual(['Sync', 'Query']);
    let again: unknown;
    try {
      parser.feedAll(serialize.sync());
    } catch (error) {
      again = error;
    }
    expect(again).toBe(first);
    expect(parser.bufferedBytes).toBe(0);
  });
});

describe('frontend parser: arbitrary input', () => {
  /** Feeds every chunk; the only acceptable failure is SqlError 08P01, after which input stops. */
  function feedArbitrary(parser: FrontendParser, chunks: readonly Uint8Array[]): void {
    for (const chunk of chunks) {
      try {
        parser.feedAll(Buffer.from(chunk));
      } catch (error) {
        expect(error).toBeInstanceOf(SqlError);
        expect((error as SqlError).sqlstate).toBe('08P01');
        return;
      }
    }
    expect(parser.bufferedBytes).toBeLessThanOrEqual(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  }

  const chunks = fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 });

  it('random bytes in the startup phase only ever give 08P01 or wait', () => {
    fc.assert(fc.property(chunks, (input) => feedArbitrary(new FrontendParser(), input)), { numRuns: 1000 });
  });

  it('random bytes in the typed phase only ever give 08P01 or wait', () => {
    fc.assert(fc.property(chunks, (input) => feedArbitrary(typedParser(), input)), { numRuns: 1000 });
  });

  it('random typed messages with plausible headers only ever give 08P01 or wait', () => {
    const message = fc
      .tuple(fc.constantFrom(...'QPBDECHSXpdcf'), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: -4, max: 4 }))
      .map(([code, body, skew]) => typed(code, Buffer.from(body), Math.max(0, body.length + 4 + skew)));
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), (messages, rawCuts) => {
        const stream = Buffer.concat(messages);
        const cuts = rawCuts.map((cut) => cut % (stream.length + 1)).sort((a, b) => a - b);
        const pieces = [0, ...cuts, stream.length].slice(1).map((end, index, ends) => stream.subarray(index === 0 ? 0 : ends[index - 1], end));
        feedArbitrary(typedParser(), pieces);
      }),
      { numRuns: 1000 },
    );
  });

  it('valid streams with corrupted or truncated bytes only ever give 08P01 or wait', () => {
    for (const [stream, makeParser] of [
      [typedStream, typedParser],
      [startupStream, () => new FrontendParser()],
    ] as const) {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat({ max: stream.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
          fc.nat({ max: stream.length }),
          fc.array(fc.nat({ max: stream.length }), { maxLength: 5 }),
          (flips, truncateAt, cuts) => {
            const corrupted = Buffer.from(stream.subarray(0, truncateAt));
            for (const [position, value] of flips) if (position < corrupted.length) corrupted[position] = value;
            const ends = [...cuts.filter((cut) => cut < corrupted.length).sort((a, b) => a - b), corrupted.length];
            const pieces = ends.map((end, index) => corrupted.subarray(index === 0 ? 0 : ends[index - 1], end));
            feedArbitrary(makeParser(), pieces);
          },
        ),
        { numRuns: 1000 },
      );
    }
  });
});
