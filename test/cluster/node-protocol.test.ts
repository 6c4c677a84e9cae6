/**
 * The node protocol's codec and the cluster file: everything a node or gateway reads from
 * outside either parses into checked values or fails with a clear error (08P01, 22023),
 * never with anything else.
 */
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { decodeState, encodeState } from '../../cluster/acceptor-storage.js';
import { parseClusterFile } from '../../cluster/cluster-file.js';
import {
  decodeAppendReply,
  decodeDropReply,
  decodeLnrRequest,
  decodeNextReply,
  decodeReadReply,
  decodeReplies,
  decodeRequests,
  decodeScan,
  decodeScanPage,
  encodeLnrRequest,
  encodeReplies,
  encodeRequests,
  encodeScan,
  encodeScanPage,
  type LnrRequest,
  type NodeRequest,
} from '../../cluster/node-protocol.js';
import { segmentBase } from '../../cluster/log-segments.js';
import { wordAddress } from '../../store/key.js';

const address = wordAddress({ account: 'acme', resource: 'jobs', resourceType: 'rnd', primaryKey: 'c', sortKey: 42n });
const plain = wordAddress({ account: 'acme', resource: 'users', resourceType: 'rnd', primaryKey: 'alice' });

function sqlstateOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof SqlError) return error.sqlstate;
    throw error;
  }
}

const randomBytes = fc.uint8Array({ maxLength: 200 });

/** Feeds bodies to a decoder: each must decode, or fail with one of `sqlstates`, and nothing else. */
function answersOnly(bodies: fc.Arbitrary<Uint8Array>, decode: (body: Uint8Array) => unknown, sqlstates: readonly string[], numRuns: number): void {
  fc.assert(
    fc.property(bodies, (body) => {
      const state = sqlstateOf(() => decode(body));
      expect(state === undefined || sqlstates.includes(state), `answered ${state}`).toBe(true);
    }),
    { numRuns },
  );
}

describe('node protocol', () => {
  it('round-trips a batch of prepares and accepts, keys recomputed to the same pointers', () => {
    const requests: NodeRequest[] = [
      { op: 'prepare', key: address, ballot: { counter: 3, proposer: 'g1' } },
      { op: 'accept', key: plain, ballot: { counter: 4, proposer: 'g2' }, value: Buffer.from('v'), next: { counter: 5, proposer: 'g2' } },
      { op: 'accept', key: address, ballot: { counter: 6, proposer: 'g1' }, value: null, next: undefined },
    ];
    const decoded = decodeRequests(encodeRequests(requests));
    expect(decoded).toEqual(requests);
    expect(decoded[0]!.key.pointer.equals(address.pointer)).toBe(true);
    const replies = [
      { ok: true as const, accepted: { counter: 2, proposer: 'g1' }, value: Buffer.from('x') },
      { ok: false as const, promised: { counter: 9, proposer: 'g3' }, acceptedHere: 'no' as const },
      { ok: true as const },
    ];
    expect(decodeReplies(encodeReplies(replies), 3)).toEqual(replies);
    // Leases: asked with a read, granted in its reply, and named by a refusal.
    const leasedRead: NodeRequest = { op: 'read', key: plain, lease: { proposer: 'g1', milliseconds: 1000 } };
    expect(decodeRequests(encodeRequests([leasedRead]))).toEqual([leasedRead]);
    const leaseReplies = [
      { ok: true as const, accepted: { counter: 2, proposer: 'g1' }, value: null, leased: true },
      { ok: false as const, promised: { counter: 9, proposer: 'g3' }, leasedMilliseconds: 250 },
      { ok: false as const, promised: { counter: 9, proposer: 'g3' }, acceptedHere: 'no' as const, leasedMilliseconds: 12.5 },
    ];
    expect(decodeReplies(encodeReplies(leaseReplies), 3)).toEqual(leaseReplies);
    expect(sqlstateOf(() => decodeRequests(encode({ requests: [{ op: 'read', key: ['a', 'b', 'rnd', 'c', null], lease: ['g1', -5] }] })))).toBe('08P01');
    expect(sqlstateOf(() => decodeReplies(encode({ replies: [{ ok: false, promised: [1, 'p'], leasedMilliseconds: 'long' }] }), 1))).toBe('08P01');
    expect(sqlstateOf(() => decodeReplies(encodeReplies(replies), 2))).toBe('08P01');
  });

  it('refuses malformed batches with 08P01 naming the problem', () => {
    const bad = (value: unknown) => sqlstateOf(() => decodeRequests(encode(value)));
    expect(bad({ requests: [{ op: 'merge', key: [], ballot: [1, 'p'] }] })).toBe('08P01');
    expect(bad({ requests: [{ op: 'prepare', key: ['a', 'b', 'tape', 'c', null], ballot: [1, 'p'] }] })).toBe('08P01');
    expect(bad({ requests: [{ op: 'prepare', key: ['a', 'b', 'rnd', 'c', new Uint8Array([0x99])], ballot: [1, 'p'] }] })).toBe('08P01');
    expect(bad({ requests: [{ op: 'prepare', key: ['a', 'b', 'rnd', 'c', null], ballot: [-1, 'p'] }] })).toBe('08P01');
    expect(bad({ requests: [{ op: 'accept', key: ['a', 'b', 'rnd', 'c', null], ballot: [1, 'p'], value: 'text' }] })).toBe('08P01');
    expect(bad({ requests: Array.from({ length: 4097 }, () => ({})) })).toBe('08P01');
    expect(sqlstateOf(() => decodeRequests(Buffer.from([0xc1])))).toBe('08P01');
  });

  it('answers random bytes and random MessagePack with requests or 08P01, nothing else', () => {
    answersOnly(randomBytes, decodeRequests, ['08P01'], 2000);
    answersOnly(fc.jsonValue().map((value) => encode({ requests: [value] })), decodeRequests, ['08P01'], 2000);
  });
});

describe('node scan protocol', () => {
  it('round-trips range and resource scans and their pages', () => {
    const range = { kind: 'sortKeyRange' as const, address, lower: { bytes: Buffer.from([0x20, 1]), inclusive: true }, upper: undefined, reverse: true, limit: 7, after: { pointer: address.pointer, sortKeyBytes: Buffer.from([0x20, 9]) } };
    const decodedRange = decodeScan(encodeScan(range));
    expect(decodedRange).toMatchObject({ kind: 'sortKeyRange', reverse: true, limit: 7, lower: { inclusive: true } });
    expect(decodedRange.kind === 'sortKeyRange' && decodedRange.address.pointer.equals(address.pointer)).toBe(true);
    const resource = { kind: 'resource' as const, account: 'acme', resource: 'jobs', resourceType: 'rnd' as const, limit: 3, after: undefined };
    expect(decodeScan(encodeScan(resource))).toEqual(resource);
    const page = { words: [{ address: plain, accepted: { counter: 4, proposer: 'g1' }, value: Buffer.from('v') }, { address, accepted: { counter: 1, proposer: 'g2' }, value: null }], next: undefined };
    const decoded = decodeScanPage(encodeScanPage(page));
    expect(decoded.words.map((word) => [word.address.primaryKey, word.accepted, word.value])).toEqual([
      ['alice', { counter: 4, proposer: 'g1' }, Buffer.from('v')],
      ['c', { counter: 1, proposer: 'g2' }, null],
    ]);
    expect(decoded.next).toBeUndefined();
  });

  it('answers malformed and random scans and pages with a value or 08P01, nothing else', () => {
    const bad = (value: unknown) => sqlstateOf(() => decodeScan(encode(value)));
    expect(bad({ kind: 'sideways', limit: 1 })).toBe('08P01');
    expect(bad({ kind: 'resource', account: 'a', resource: 'b', resourceType: 'tape', limit: 1 })).toBe('08P01');
    expect(bad({ kind: 'range', key: ['a'], limit: 1 })).toBe('08P01');
    expect(bad({ kind: 'range', key: ['a', 'b', 'rnd', 'c', null], lower: [1, true], limit: 1 })).toBe('08P01');
    expect(bad({ kind: 'resource', account: 'a', resource: 'b', resourceType: 'rnd', limit: 'ten' })).toBe('08P01');
    expect(bad({ kind: 'resource', account: 'a', resource: 'b', resourceType: 'rnd', limit: 1, after: ['x'] })).toBe('08P01');
    for (const decoder of [decodeScan, decodeScanPage]) {
      answersOnly(randomBytes, decoder, ['08P01'], 1000);
      answersOnly(fc.jsonValue().map((value) => encode(value)), decoder, ['08P01'], 1000);
    }
  });
});

describe('node lnr protocol', () => {
  const log = { account: 'acme', resource: 'jobs' };
  const base = segmentBase(3);

  it('round-trips appends, reads, seals and drops and their replies', () => {
    const requests: LnrRequest[] = [
      { op: 'append', log, segment: 3, first: base + 2, payloads: [Buffer.from('a'), Buffer.alloc(0)] },
      { op: 'read', log, segment: 3, record: base + 9, count: 4 },
      { op: 'next', log, segment: 3 },
      { op: 'seal', log, segment: 3 },
      { op: 'drop', log, segment: 0 },
    ];
    for (const request of requests) expect(decodeLnrRequest(encodeLnrRequest(request))).toEqual(request);
    expect(decodeAppendReply(encode({ ok: false, next: 12 }))).toEqual({ ok: false, next: 12 });
    expect(decodeReadReply(encode({ payloads: [] }))).toEqual([]);
    expect(decodeReadReply(encode({ payloads: [Buffer.from('x')] }))[0]?.toString()).toBe('x');
    expect(decodeNextReply(encode({ next: base + 1 }))).toBe(base + 1);
    expect(decodeDropReply(encode({ existed: true }))).toBe(true);
  });

  it('refuses malformed operations with 08P01 and records outside their segment with 22023', () => {
    const bad = (value: Record<string, unknown>) => sqlstateOf(() => decodeLnrRequest(encode({ log: ['acme', 'jobs'], segment: 3, ...value })));
    expect(bad({ op: 'append', first: base, payloads: [] })).toBe('08P01');
    expect(bad({ op: 'append', first: base, payloads: ['text'] })).toBe('08P01');
    expect(bad({ op: 'append', first: base - 1, payloads: [Buffer.from('a')] })).toBe('22023');
    expect(bad({ op: 'append', first: segmentBase(4) - 1, payloads: [Buffer.from('a'), Buffer.from('b')] })).toBe('22023');
    expect(bad({ op: 'read', record: segmentBase(4), count: 1 })).toBe('22023');
    expect(bad({ op: 'read', record: 1.5, count: 1 })).toBe('08P01');
    expect(bad({ op: 'read', record: base, count: 0 })).toBe('08P01');
    expect(bad({ op: 'seal', segment: -1 })).toBe('08P01');
    expect(bad({ op: 'drop', segment: 2 ** 40 })).toBe('08P01');
    expect(bad({ op: 'truncate' })).toBe('08P01');
    expect(bad({ op: 'drop', log: ['acme'] })).toBe('08P01');
    expect(bad({ op: 'drop', log: ['acme', 'x'.repeat(100)] })).toBe('08P01');
    expect(sqlstateOf(() => decodeAppendReply(encode({ ok: false })))).toBe('08P01');
    expect(sqlstateOf(() => decodeReadReply(encode({ payloads: ['x'] })))).toBe('08P01');
    expect(sqlstateOf(() => decodeNextReply(encode({ next: 'x' })))).toBe('08P01');
    expect(sqlstateOf(() => decodeDropReply(encode(null)))).toBe('08P01');
  });

  it('answers random bytes and random MessagePack with an operation, 08P01 or 22023, nothing else', () => {
    answersOnly(randomBytes, decodeLnrRequest, ['08P01', '22023'], 2000);
    const operations = fc
      .tuple(fc.constantFrom('append', 'read', 'next', 'seal', 'drop', 'x'), fc.jsonValue(), fc.jsonValue())
      .map(([op, segment, rest]) => encode({ op, log: ['acme', 'jobs'], segment, first: rest, record: rest, count: rest, payloads: rest }));
    answersOnly(operations, decodeLnrRequest, ['08P01', '22023'], 2000);
  });
});

describe('acceptor state encoding', () => {
  it('round-trips, and refuses bytes that are not a state with XX001', () => {
    const state = { promised: { counter: 7, proposer: 'g1' }, accepted: { counter: 6, proposer: 'g2' }, value: Buffer.from('v'), acceptedBy: [{ counter: 6, proposer: 'g2' }] };
    expect(decodeState(encodeState(state), plain)).toEqual(state);
    expect(decodeState(encodeState({ ...state, value: null }), plain).value).toBeNull();
    expect(sqlstateOf(() => decodeState(Buffer.from([0xc1]), plain))).toBe('XX001');
    expect(sqlstateOf(() => decodeState(encode({ p: [1, 'a'] }), plain))).toBe('XX001');
  });
});

describe('cluster file', () => {
  const nodes = [
    { id: 'n1', address: '127.0.0.1:7101', weight: 1 },
    { id: 'n2', address: '[::1]:7102' },
    { id: 'n3', address: 'db3.example:7103', weight: 2.5 },
  ];

  it('reads replicas, secret and nodes, weight 1 and 3 replicas by default', () => {
    const file = parseClusterFile({ secret: 'x'.repeat(16), nodes });
    expect(file.replicas).toBe(3);
    expect(file.nodes.map((node) => [node.id, node.host, node.port, node.weight])).toEqual([
      ['n1', '127.0.0.1', 7101, 1],
      ['n2', '::1', 7102, 1],
      ['n3', 'db3.example', 7103, 2.5],
    ]);
  });

  it('refuses what would make a cluster unsafe or ambiguous, with 22023', () => {
    const refused = (input: unknown) => sqlstateOf(() => parseClusterFile(input));
    expect(refused({ secret: 'short', nodes })).toBe('22023');
    expect(refused({ secret: 'x'.repeat(16), nodes: [] })).toBe('22023');
    expect(refused({ secret: 'x'.repeat(16), nodes, replicas: 4 })).toBe('22023');
    expect(refused({ secret: 'x'.repeat(16), nodes: [...nodes, { id: 'n1', address: '127.0.0.1:9' }] })).toBe('22023');
    expect(refused({ secret: 'x'.repeat(16), nodes: [...nodes, { id: 'n4', address: '127.0.0.1:7101' }] })).toBe('22023');
    expect(refused({ secret: 'x'.repeat(16), nodes: [{ id: 'n1', address: 'nowhere' }] })).toBe('22023');
    expect(refused({ secret: 'x'.repeat(16), nodes: [{ id: 'n 1', address: 'h:1' }] })).toBe('22023');
    expect(refused({ secret: 'x'.repeat(16), nodes: [{ id: 'n1', address: 'h:1', weight: 0 }] })).toBe('22023');
    expect(refused([])).toBe('22023');
  });
});
