/**
 * The linear memory on a cluster (cluster/cluster-logs.ts): three storage nodes in this
 * process on loopback TCP, each keeping real segment files, and gateways' ClusterMemory
 * appending, reading, retaining and dropping logs through them, with nodes stopped and
 * started again under it.
 */
import { readdirSync } from 'node:fs';
import { decode } from '@msgpack/msgpack';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterMemory } from '../../cluster/cluster-memory.js';
import { firstHolder } from '../../cluster/cluster-logs.js';
import { recordsPerSegment, segmentBase, segmentOf, segmentWord } from '../../cluster/log-segments.js';
import { NodeClient } from '../../cluster/node-client.js';
import { SegmentReplicas } from '../../cluster/segment-replicas.js';
import type { LogAddress } from '../../store/memory.js';
import { sqlstateOf, temporaryDirectoryPerTest } from '../store/helpers.js';
import { InProcessNodes } from './in-process-nodes.js';

const directory = temporaryDirectoryPerTest('cluster-logs');
const jobs: LogAddress = { account: 'acme', resource: 'jobs' };
const payload = (index: number) => Buffer.from(`message ${index} `.repeat(1 + (index % 7)));
/** With segmentBytesMax 4096, a record that only fits an empty segment: the writer moves on (and seals) at once. */
const tooBigForTheRest = Buffer.alloc(4060, 0x2a);

let nodes: InProcessNodes | undefined;
afterEach(async () => {
  await nodes?.close();
  nodes = undefined;
});

describe('the linear memory on a cluster', () => {
  it('numbers records inside claimed segments, copies them to every replica, and reads them back through another gateway', async () => {
    nodes = await InProcessNodes.start(directory());
    const writer = nodes.memory({ lnr: { segmentBytesMax: 1024 } });
    const records = await Promise.all(Array.from({ length: 60 }, (_, index) => writer.append(jobs, payload(index))));
    expect(new Set(records).size).toBe(60);
    // Appends of one gateway fill its segment in order; a full segment gives way to the next one.
    const segments = [...new Set(records.map(segmentOf))];
    expect(segments.length).toBeGreaterThan(3);
    for (const segment of segments) {
      const inSegment = records.filter((record) => segmentOf(record) === segment).sort((a, b) => a - b);
      expect(inSegment).toEqual(inSegment.map((_, index) => segmentBase(segment) + index));
    }
    for (const id of ['n1', 'n2', 'n3']) expect(nodes.segmentsOn(id, jobs)).toEqual(segments.sort((a, b) => a - b));

    const reader = nodes.memory();
    const read = await Promise.all(records.map((record) => reader.readRecord(jobs, record)));
    read.forEach((found, index) => expect(Buffer.from(found!).equals(payload(index))).toBe(true));
    expect(await reader.readRecord(jobs, Math.max(...records) + 1)).toBeUndefined();
    expect(await reader.readRecord(jobs, segmentBase(segments.at(-1)! + 5))).toBeUndefined();
    expect(await reader.readRecord({ account: 'acme', resource: 'other' }, 0)).toBeUndefined();

    // A second gateway claims segments of its own: two writers never share one.
    const second = nodes.memory({ lnr: { segmentBytesMax: 1024 } });
    const more = await Promise.all([second.append(jobs, payload(1)), writer.append(jobs, payload(2))]);
    expect(segmentOf(more[0])).not.toBe(segmentOf(more[1]));
    expect(segmentOf(more[0])).toBeGreaterThan(segments.at(-1)!);
    expect(await sqlstateOf(() => writer.append(jobs, Buffer.alloc(2000)))).toBe('54000');
  });

  it('goes on with a replica down, reads past a copy that missed records, and fails with 57P03 without a quorum', async () => {
    nodes = await InProcessNodes.start(directory());
    const writer = nodes.memory();
    const before = await writer.append(jobs, payload(0));
    await nodes.stopNode('n1');
    const during = await Promise.all([1, 2, 3].map((index) => writer.append(jobs, payload(index))));
    await nodes.startNode('n1');
    // n1 refuses the next record of the segment (it missed some) and is written no more; a quorum still takes it.
    const after = await writer.append(jobs, payload(4));
    const reader = nodes.memory();
    for (const [record, index] of [[before, 0], ...during.map((record, at) => [record, at + 1]), [after, 4]] as const) {
      expect(Buffer.from((await reader.readRecord(jobs, record))!).equals(payload(index))).toBe(true);
    }
    await nodes.stopNode('n2');
    await nodes.stopNode('n3');
    expect(await sqlstateOf(() => nodes!.memory().append(jobs, payload(5)))).toBe('57P03');
    expect(await sqlstateOf(() => nodes!.memory().readRecord(jobs, during[0]!))).toBe('57P03');
    await nodes.startNode('n2');
    // A fresh gateway claims a new segment, whole on every replica that is up.
    const fresh = await nodes.memory().append(jobs, payload(6));
    expect(segmentOf(fresh)).toBeGreaterThan(segmentOf(after));
    expect(Buffer.from((await nodes.memory().readRecord(jobs, fresh))!).equals(payload(6))).toBe(true);
  });

  it('gives a replica that missed records the rest of the segment when the segment is sealed', async () => {
    nodes = await InProcessNodes.start(directory());
    const writer = nodes.memory({ lnr: { segmentBytesMax: 4096 } });
    const records = [await writer.append(jobs, payload(0))];
    await nodes.stopNode('n3');
    for (let index = 1; index < 6; index++) records.push(await writer.append(jobs, payload(index)));
    await nodes.startNode('n3');
    records.push(await writer.append(jobs, payload(6))); // n3 refuses it (it missed 1..5) and is written no more
    const segment = segmentOf(records[0]!);
    expect(records.every((record) => segmentOf(record) === segment)).toBe(true);
    const client = new NodeClient(nodes.file, 1000);
    try {
      expect(await client.nextRecord('n3', jobs, segment)).toBe(segmentBase(segment) + 1);
      expect(segmentOf(await writer.append(jobs, tooBigForTheRest))).toBe(segment + 1); // the old segment is sealed, and repaired
      await expect.poll(() => client.nextRecord('n3', jobs, segment), { timeout: 5000 }).toBe(segmentBase(segment) + 7);
      const copied = await client.readRecords('n3', jobs, segment, segmentBase(segment), 100);
      expect(copied.map((found) => found.toString())).toEqual(records.map((_, index) => payload(index).toString()));
      expect(await writer.registry.getSingleMetricAsString('dmachine_gateway_lnr_repaired_records_total')).toMatch(/^dmachine_gateway_lnr_repaired_records_total 6$/m);
    } finally {
      client.close();
    }
  });

  it('repairs in the background a replica that was still down when its segment was sealed', async () => {
    nodes = await InProcessNodes.start(directory());
    const writer = nodes.memory({ lnr: { segmentBytesMax: 4096, repairRetrySeconds: 0.1 } });
    const records = [await writer.append(jobs, payload(0))];
    await nodes.stopNode('n3');
    for (let index = 1; index < 6; index++) records.push(await writer.append(jobs, payload(index)));
    const segment = segmentOf(records[0]!);
    expect(segmentOf(await writer.append(jobs, tooBigForTheRest))).toBe(segment + 1); // sealed with n3 down: it cannot be repaired yet
    const metadata = async () => decode((await writer.load(segmentWord(jobs, segment)))!.value) as { sealed: number; lagging?: string[] };
    await expect.poll(metadata, { timeout: 5000 }).toMatchObject({ sealed: 6, lagging: ['n3'] });
    await nodes.startNode('n3');
    const client = new NodeClient(nodes.file, 1000);
    try {
      await expect.poll(() => client.nextRecord('n3', jobs, segment), { timeout: 5000 }).toBe(segmentBase(segment) + 6);
      const copied = await client.readRecords('n3', jobs, segment, segmentBase(segment), 100);
      expect(copied.map((found) => found.toString())).toEqual(records.map((_, index) => payload(index).toString()));
      await expect.poll(async () => (await metadata()).lagging, { timeout: 5000 }).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it('has another gateway that uses the log repair a lagging replica the sealing gateway left behind', async () => {
    nodes = await InProcessNodes.start(directory());
    const sealing = nodes.memory({ lnr: { segmentBytesMax: 4096, repairRetrySeconds: 60 } });
    const first = await sealing.append(jobs, payload(0));
    await nodes.stopNode('n3');
    await sealing.append(jobs, payload(1));
    await sealing.append(jobs, tooBigForTheRest); // a new segment: the old one is sealed with n3 lagging
    const segment = segmentOf(first);
    const laggingThrough = (memory: ClusterMemory) => async () => (decode((await memory.load(segmentWord(jobs, segment)))!.value) as { lagging?: string[] }).lagging;
    await expect.poll(laggingThrough(sealing), { timeout: 5000 }).toEqual(['n3']);
    await sealing.close(); // its own retries go with it
    await nodes.startNode('n3');
    const other = nodes.memory({ lnr: { lagSweepSeconds: 0.1, repairRetrySeconds: 0.1 } });
    expect(Buffer.from((await other.readRecord(jobs, first))!).equals(payload(0))).toBe(true); // now it knows the log
    const client = new NodeClient(nodes.file, 1000);
    try {
      await expect.poll(() => client.nextRecord('n3', jobs, segment), { timeout: 5000 }).toBe(segmentBase(segment) + 2);
      await expect.poll(laggingThrough(other), { timeout: 5000 }).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it('retention drops finished segments below a record on every replica; dropping the log deletes the rest and numbers go on', async () => {
    nodes = await InProcessNodes.start(directory());
    const writer = nodes.memory({ lnr: { segmentBytesMax: 512 } });
    const records: number[] = [];
    for (let index = 0; index < 40; index++) records.push(await writer.append(jobs, payload(index)));
    const segments = [...new Set(records.map(segmentOf))];
    expect(segments.length).toBeGreaterThan(4);
    const keep = records.find((record) => segmentOf(record) === segments[3])!;
    // The writer's segments are sealed as it moves on (in the background): wait for the metadata.
    await expect.poll(async () => nodes!.memory().dropRecordsBefore(jobs, keep), { timeout: 5000 }).toBeGreaterThan(0);
    for (const id of ['n1', 'n2', 'n3']) expect(nodes.segmentsOn(id, jobs)).toEqual(segments.slice(3));
    const reader = nodes.memory();
    expect(await reader.readRecord(jobs, records[0]!)).toBeUndefined();
    expect(Buffer.from((await reader.readRecord(jobs, keep))!).length).toBeGreaterThan(0);
    expect(await reader.dropRecordsBefore(jobs, keep)).toBe(0);

    expect(await reader.dropLog(jobs)).toBe(true);
    for (const id of ['n1', 'n2', 'n3']) expect(nodes.segmentsOn(id, jobs)).toEqual([]);
    expect(await reader.readRecord(jobs, keep)).toBeUndefined(); // its cached copy went with the log
    expect(await nodes.memory().readRecord(jobs, keep)).toBeUndefined();
    expect(await reader.dropLog(jobs)).toBe(false);
    // The writer's segment was dropped under it: its next append moves to a new segment instead of failing.
    const moved = await writer.append(jobs, payload(2));
    expect(segmentOf(moved)).toBeGreaterThan(segments.at(-1)!);
    expect(Buffer.from((await nodes.memory().readRecord(jobs, moved))!).equals(payload(2))).toBe(true);
    // A log made again under the same name numbers on: no record number names two payloads.
    const again = await nodes.memory().append(jobs, payload(1));
    expect(segmentOf(again)).toBeGreaterThan(segments.at(-1)!);
  });

  it('seals its segments when a gateway closes, so retention need not wait for them to be abandoned', async () => {
    nodes = await InProcessNodes.start(directory());
    const leaving = nodes.memory();
    const old = await leaving.append(jobs, payload(0));
    const staying = nodes.memory();
    const recent = await staying.append(jobs, payload(1));
    expect(segmentOf(recent)).toBeGreaterThan(segmentOf(old));
    expect(await staying.dropRecordsBefore(jobs, recent)).toBe(0); // the leaving gateway still writes its segment
    await leaving.close();
    expect(await staying.dropRecordsBefore(jobs, recent)).toBe(1);
    expect(nodes.segmentsOn('n1', jobs)).toEqual([segmentOf(recent)]);
  });

  it('gives every acknowledged append its own number and its bytes back, with three gateways appending while nodes stop and start', async () => {
    nodes = await InProcessNodes.start(directory());
    const writers = [0, 1, 2].map(() => nodes!.memory({ lnr: { segmentBytesMax: 4096, segmentSecondsMax: 0.2 } }));
    const acknowledged = new Map<number, Buffer>();
    let failures = 0;
    let appending = true;
    const append = async (writer: ClusterMemory, id: number) => {
      for (let index = 0; appending; index++) {
        const body = Buffer.from(`${id}:${index}:${'z'.repeat(index % 97)}`);
        try {
          const record = await writer.append(jobs, body);
          expect(acknowledged.has(record), `record ${record} acknowledged twice`).toBe(false);
          acknowledged.set(record, body);
        } catch (error) {
          expect((error as { sqlstate?: string }).sqlstate).toBe('57P03'); // never anything but "no quorum"
          failures++;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    };
    const running = writers.flatMap((writer, id) => [append(writer, id * 2), append(writer, id * 2 + 1)]);
    const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
    for (const id of ['n1', 'n2', 'n3', 'n1']) {
      await pause(150);
      await nodes.stopNode(id);
      await pause(150);
      await nodes.startNode(id);
    }
    await pause(100);
    appending = false;
    await Promise.all(running);
    expect(acknowledged.size).toBeGreaterThan(50);
    const reader = nodes.memory();
    for (const [record, body] of acknowledged) expect(Buffer.from((await reader.readRecord(jobs, record))!).equals(body), `record ${record}`).toBe(true);
    expect(failures).toBeLessThan(acknowledged.size);
  }, 60_000);

  it('moves to a new segment when the current one is older than segmentSecondsMax', async () => {
    nodes = await InProcessNodes.start(directory());
    const writer = nodes.memory({ lnr: { segmentSecondsMax: 0.05 } });
    const first = await writer.append(jobs, payload(0));
    await new Promise((resolve) => setTimeout(resolve, 80));
    const second = await writer.append(jobs, payload(1));
    expect(segmentOf(second)).toBe(segmentOf(first) + 1);
  });
});

describe('reading a record from the replicas of its segment', () => {
  const never = new Promise<undefined>(() => undefined); // a stopped node: no answer, no failure
  it('asks the next replica when one is silent, has nothing, or fails, and takes the first that holds it', async () => {
    expect(await firstHolder(['n1', 'n2', 'n3'], async (node) => (node === 'n1' ? never : node), 10)).toEqual({ found: 'n2' });
    expect(await firstHolder(['n1', 'n2', 'n3'], async (node) => (node === 'n3' ? 'n3' : undefined), 10_000)).toEqual({ found: 'n3' });
    const failed = new Error('refused');
    const outcome = await firstHolder(['n1', 'n2', 'n3'], async (node) => {
      if (node === 'n2') throw failed;
      return undefined;
    }, 10_000);
    expect(outcome).toEqual({ found: undefined, absent: 2, failure: failed });
  });
});

describe("a node's segment copies", () => {
  it('take appends only at the next record, keep them through close and reopen, and drop them whole', async () => {
    const log: LogAddress = { account: 'acme', resource: 'a/b..' };
    const base = segmentBase(7);
    let copies = new SegmentReplicas(directory());
    expect(await copies.append(log, 7, base + 1, [Buffer.from('x')])).toEqual({ ok: false, next: base });
    expect(await copies.read(log, 7, base, 1, 1024)).toEqual([]);
    expect(readdirSync(directory())).toEqual([]); // refusing created nothing
    expect(await copies.next(log, 7)).toBe(base);
    expect(await copies.append(log, 7, base, [Buffer.from('a'), Buffer.from('b')])).toEqual({ ok: true });
    expect(await copies.append(log, 7, base, [Buffer.from('a')])).toEqual({ ok: false, next: base + 2 });
    expect(await copies.append(log, 7, base + 2, [Buffer.from('c')])).toEqual({ ok: true });
    expect(await copies.next(log, 7)).toBe(base + 3);
    await copies.seal(log, 7);
    await copies.close();

    copies = new SegmentReplicas(directory());
    const text = (payloads: Buffer[]) => payloads.map((payload) => payload.toString());
    expect(text(await copies.read(log, 7, base + 1, 10, 1024))).toEqual(['b', 'c']);
    expect(text(await copies.read(log, 7, base, 2, 1024))).toEqual(['a', 'b']);
    expect(text(await copies.read(log, 7, base, 10, 1))).toEqual(['a']);
    expect(await copies.read(log, 7, base + 3, 1, 1024)).toEqual([]);
    expect(await copies.read(log, 8, segmentBase(8), 1, 1024)).toEqual([]);
    expect(await copies.drop(log, 7)).toBe(true);
    expect(await copies.drop(log, 7)).toBe(false);
    expect(await copies.read(log, 7, base, 1, 1024)).toEqual([]);
    await copies.close();
    expect(recordsPerSegment).toBe(2 ** 20);
  });
});
