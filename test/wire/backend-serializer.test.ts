/**
 * Backend messages read back by an independent path: pg-protocol's client-side parser
 * (what node-postgres runs), on the whole stream and on the stream split at every offset.
 */
import { Parser } from 'pg-protocol/dist/parser';
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import {
  authenticationOk,
  authenticationSasl,
  authenticationSaslContinue,
  authenticationSaslFinal,
  backendKeyData,
  bindComplete,
  closeComplete,
  commandComplete,
  dataRow,
  emptyQueryResponse,
  encryptionRefused,
  errorResponse,
  negotiateProtocolVersion,
  noData,
  noticeResponse,
  parameterDescription,
  parameterStatus,
  parseComplete,
  portalSuspended,
  readyForQuery,
  rowDescription,
} from '../../wire/backend-serializer.js';

/** pg-protocol's messages as plain data (classes and Error instances flattened). */
function parseBackend(chunks: readonly Buffer[]): Record<string, unknown>[] {
  const parser = new Parser();
  const messages: Record<string, unknown>[] = [];
  for (const chunk of chunks) {
    // pg-protocol may reuse a chunk it was given as scratch space, so it gets a copy.
    parser.parse(Buffer.from(chunk), (message) => {
      const fields: Record<string, unknown> = { name: message.name };
      for (const [key, value] of Object.entries(message)) {
        if (key !== 'length' && key !== 'stack' && value !== undefined) fields[key] = value;
      }
      if (message instanceof Error) fields['message'] = message.message;
      messages.push(JSON.parse(JSON.stringify(fields)) as Record<string, unknown>);
    });
  }
  return messages;
}

const sqlError = new SqlError('42P01', 'relation "missing" does not exist', { detail: 'Some detail.', hint: 'A hint.', position: 15 });

const cases: readonly [string, Buffer, Record<string, unknown>][] = [
  ['AuthenticationOk', authenticationOk(), { name: 'authenticationOk' }],
  ['AuthenticationSASL', authenticationSasl(['SCRAM-SHA-256']), { name: 'authenticationSASL', mechanisms: ['SCRAM-SHA-256'] }],
  [
    'AuthenticationSASLContinue',
    authenticationSaslContinue('r=abc,s=c2FsdA==,i=4096'),
    { name: 'authenticationSASLContinue', data: 'r=abc,s=c2FsdA==,i=4096' },
  ],
  ['AuthenticationSASLFinal', authenticationSaslFinal(Buffer.from('v=c2ln')), { name: 'authenticationSASLFinal', data: 'v=c2ln' }],
  ['ParameterStatus', parameterStatus('server_version', '15.0'), { name: 'parameterStatus', parameterName: 'server_version', parameterValue: '15.0' }],
  ['BackendKeyData', backendKeyData(4242, -17), { name: 'backendKeyData', processID: 4242, secretKey: -17 }],
  ['ReadyForQuery I', readyForQuery('I'), { name: 'readyForQuery', status: 'I' }],
  ['ReadyForQuery T', readyForQuery('T'), { name: 'readyForQuery', status: 'T' }],
  ['ReadyForQuery E', readyForQuery('E'), { name: 'readyForQuery', status: 'E' }],
  [
    'RowDescription',
    rowDescription([
      { name: 'id', tableOid: 16384, columnAttr: 1, typeOid: 20, typeSize: 8, typeModifier: -1, format: 0 },
      { name: 'nämé', tableOid: 0, columnAttr: 0, typeOid: 1043, typeSize: -1, typeModifier: 68, format: 1 },
    ]),
    {
      name: 'rowDescription',
      fieldCount: 2,
      fields: [
        { name: 'id', tableID: 16384, columnID: 1, dataTypeID: 20, dataTypeSize: 8, dataTypeModifier: -1, format: 'text' },
        { name: 'nämé', tableID: 0, columnID: 0, dataTypeID: 1043, dataTypeSize: -1, dataTypeModifier: 68, format: 'binary' },
      ],
    },
  ],
  ['RowDescription empty', rowDescription([]), { name: 'rowDescription', fieldCount: 0, fields: [] }],
  ['DataRow', dataRow([Buffer.from('42'), null, Buffer.from(''), Buffer.from('héllo')]), { name: 'dataRow', fields: ['42', null, '', 'héllo'] }],
  ['CommandComplete', commandComplete('INSERT 0 2'), { name: 'commandComplete', text: 'INSERT 0 2' }],
  ['EmptyQueryResponse', emptyQueryResponse(), { name: 'emptyQuery' }],
  [
    'ErrorResponse',
    errorResponse(sqlError),
    {
      name: 'error',
      message: 'relation "missing" does not exist',
      severity: 'ERROR',
      code: '42P01',
      detail: 'Some detail.',
      hint: 'A hint.',
      position: '15',
    },
  ],
  [
    'ErrorResponse FATAL without options',
    errorResponse(new SqlError('08P01', 'invalid frontend message type 0x00'), 'FATAL'),
    { name: 'error', message: 'invalid frontend message type 0x00', severity: 'FATAL', code: '08P01' },
  ],
  [
    'NoticeResponse',
    noticeResponse({ sqlstate: '00000', message: 'nothing\0here', detail: undefined, hint: undefined, position: undefined }),
    { name: 'notice', message: 'nothing\\0here', severity: 'NOTICE', code: '00000' },
  ],
  ['ParseComplete', parseComplete(), { name: 'parseComplete' }],
  ['BindComplete', bindComplete(), { name: 'bindComplete' }],
  ['CloseComplete', closeComplete(), { name: 'closeComplete' }],
  ['NoData', noData(), { name: 'noData' }],
  ['ParameterDescription', parameterDescription([23, 25, 0]), { name: 'parameterDescription', parameterCount: 3, dataTypeIDs: [23, 25, 0] }],
  ['PortalSuspended', portalSuspended(), { name: 'portalSuspended' }],
];

describe('backend serializer', () => {
  for (const [name, bytes, expected] of cases) {
    it(`serializes ${name} as pg-protocol reads it`, () => {
      const messages = parseBackend([bytes]);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject(expected);
      // The declared length covers exactly the bytes after the type byte.
      expect(bytes.readUInt32BE(1)).toBe(bytes.length - 1);
    });
  }

  it('reads back the same messages when the whole stream is split at every offset', () => {
    const stream = Buffer.concat(cases.map(([, bytes]) => bytes));
    const expected = parseBackend([stream]);
    expect(expected).toHaveLength(cases.length);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(parseBackend([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
    }
  });

  it('writes the exact bytes PostgreSQL does for fixed messages', () => {
    expect(authenticationOk().toString('hex')).toBe('520000000800000000');
    expect(readyForQuery('I').toString('hex')).toBe('5a0000000549');
    expect(parseComplete().toString('hex')).toBe('3100000004');
    expect(authenticationSasl(['SCRAM-SHA-256']).toString('hex')).toBe(
      '52000000170000000a' + Buffer.from('SCRAM-SHA-256\0\0').toString('hex'),
    );
    expect(encryptionRefused().toString('hex')).toBe('4e');
  });

  it('writes NegotiateProtocolVersion', () => {
    const bytes = negotiateProtocolVersion(0, ['_pq_.unknown']);
    expect(bytes.toString('latin1')).toBe('v\0\0\0\x19\0\0\0\0\0\0\0\x01_pq_.unknown\0');
  });

  it('refuses values the protocol cannot carry as assertion failures', () => {
    expect(() => parameterStatus('a\0b', 'x')).toThrow(/assertion failed/);
    expect(() => backendKeyData(2 ** 31, 0)).toThrow(/assertion failed/);
    expect(() => parameterDescription([-1])).toThrow(/assertion failed/);
    expect(() => dataRow(new Array<null>(70_000).fill(null))).toThrow(/assertion failed/);
    expect(() => authenticationSasl([])).toThrow(/assertion failed/);
  });
});
