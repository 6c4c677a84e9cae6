/**
 * Queues against a real crash (docs/queues.md, "Recovery"): a child process ENQUEUEs
 * from several sessions, small batches staged in their batch words and the others into
 * 16 KiB lnr segments, and is SIGKILLed mid-load; the directory is reopened here and drained with DEQUEUE. Every acknowledged message
 * comes out exactly once with its body; an unacknowledged one (the statements in
 * flight) may come out, but never twice. Rounds go on over the same directory (the
 * child reopens it after each crash), and one case tears the tail of the last segment.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SqlSession } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';
import { typescriptNodeArguments } from '../typescript-child.js';

const childScript = fileURLToPath(new URL('./queue-kill-child.ts', import.meta.url));
const segmentBytesMax = 16 * 1024; // as in the child
const childTimeoutMs = 30_000;

interface Acknowledged {
  readonly id: number;
  readonly body: string;
}

/** Runs the child until it has acknowledged at least `target` messages, SIGKILLs it, and returns what it acknowledged. */
function enqueueThenKill(directory: string, tag: string, seed: number, target: number): Promise<Acknowledged[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, typescriptNodeArguments(childScript, directory, tag, String(seed)), { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: Acknowledged[] = [];
    let partialLine = '';
    let stderr = '';
    let killed = false;
    const kill = () => {
      if (!killed) child.kill('SIGKILL');
      killed = true;
    };
    const timer = setTimeout(kill, childTimeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partialLine + chunk.toString()).split('\n');
      partialLine = lines.pop()!; // a line not complete yet (or cut by the kill) says nothing
      for (const line of lines) {
        if (line === 'ready') continue;
        const { ids, bodies } = JSON.parse(line) as { ids: number[]; bodies: string[] };
        if (ids.length !== bodies.length) throw new Error(`child printed ${line}`);
        ids.forEach((id, index) => acknowledged.push({ id, body: bodies[index]! }));
      }
      if (acknowledged.length >= target) kill();
    });
    child.on('error', reject);
    // 'close' comes after stdout is drained, so every line the child wrote before the kill is counted.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && acknowledged.length >= target) resolve(acknowledged);
      else reject(new Error(`child ended with ${signal ?? `code ${code}`} after ${acknowledged.length} acknowledged messages: ${stderr}`));
    });
  });
}

/** Reopens the directory and DEQUEUEs everything, LIMIT 1000 at a time. */
async function drain(directory: string): Promise<Acknowledged[]> {
  const memory = LocalMemory.open(directory, { lnr: { segmentBytesMax } });
  try {
    const session = new SqlSession({ memory, account: 'acme' });
    const dequeued: Acknowledged[] = [];
    for (;;) {
      const [result] = await session.execute('DEQUEUE FROM q LIMIT 1000');
      if (result!.rows.length === 0) break;
      for (const row of result!.rows) dequeued.push({ id: Number(row[0]), body: row[2] as string });
    }
    expect((await session.execute('SELECT count(*) FROM q'))[0]!.rows).toEqual([[0n]]);
    return dequeued;
  } finally {
    await memory.close();
  }
}

/**
 * The check after a crash: ids dequeued unique (also across earlier rounds); every
 * acknowledged message among them with its body; the rest are well-formed bodies of
 * this round that no other id carried; each session's messages in its order.
 */
function checkRound(tag: string, acknowledged: Acknowledged[], dequeued: Acknowledged[], idsBefore: Set<number>): void {
  const byId = new Map<number, string>();
  for (const message of dequeued) {
    expect(byId.has(message.id) || idsBefore.has(message.id), `id ${message.id} dequeued twice`).toBe(false);
    byId.set(message.id, message.body);
  }
  const bodies = dequeued.map((message) => message.body);
  expect(new Set(bodies).size, 'a body dequeued twice').toBe(bodies.length);
  const lost = acknowledged.filter((message) => byId.get(message.id) !== message.body);
  expect(lost.slice(0, 5), `${lost.length} acknowledged messages lost or changed`).toEqual([]);
  const acknowledgedIds = new Set(acknowledged.map((message) => message.id));
  for (const message of dequeued) {
    expect(message.body, `message ${message.id}`).toMatch(new RegExp(`^${tag}-s\\d+-\\d+-z*$`));
    if (!acknowledgedIds.has(message.id)) expect(acknowledged.some((other) => other.body === message.body)).toBe(false);
  }
  // Dequeued in id order, each session's messages in its order.
  const lastN = new Map<string, number>();
  for (let index = 0; index < dequeued.length; index++) {
    if (index > 0) expect(dequeued[index]!.id).toBeGreaterThan(dequeued[index - 1]!.id);
    const [, session, n] = /^[^-]+-(s\d+)-(\d+)-/.exec(dequeued[index]!.body)!;
    expect(Number(n)).toBeGreaterThan(lastN.get(session!) ?? -1);
    lastN.set(session!, Number(n));
  }
}

function segmentFiles(directory: string): string[] {
  return readdirSync(join(directory, 'lnr', 'acme', 'q'))
    .filter((name) => name.endsWith('.seg'))
    .sort();
}

describe('queues under SIGKILL', () => {
  const directory = temporaryDirectoryPerTest('queue-kill');

  it('dequeues every acknowledged message exactly once after each of 3 crashes of the producer', async () => {
    const idsBefore = new Set<number>();
    const targets = [2_000, 4_000, 3_000];
    for (let round = 0; round < targets.length; round++) {
      const tag = `r${round}`;
      const acknowledged = await enqueueThenKill(directory(), tag, 1000 + round, targets[round]!);
      expect(acknowledged.length).toBeGreaterThanOrEqual(targets[round]!);
      if (round === 0) expect(segmentFiles(directory()).length).toBeGreaterThan(1);
      const dequeued = await drain(directory());
      checkRound(tag, acknowledged, dequeued, idsBefore);
      expect(dequeued.length).toBeGreaterThanOrEqual(acknowledged.length);
      for (const message of dequeued) idsBefore.add(message.id);
    }
  });

  it('cuts a torn tail of the last segment at open and still dequeues every acknowledged message once', async () => {
    const acknowledged = await enqueueThenKill(directory(), 'torn', 77, 3_000);
    const segments = segmentFiles(directory());
    expect(segments.length).toBeGreaterThan(1);
    const last = join(directory(), 'lnr', 'acme', 'q', segments.at(-1)!);
    // A torn append: a record header that promises more bytes than follow, then junk.
    const garbage = Buffer.alloc(300);
    garbage.writeUInt32LE(200, 0);
    for (let index = 4; index < garbage.length; index++) garbage[index] = (index * 131 + 7) & 0xff;
    // After a crash the active segment still has its preallocated zeros; the junk goes after them.
    const sizeBefore = statSync(last).size;
    appendFileSync(last, garbage);
    const dequeued = await drain(directory());
    // Cut at open, then the clean close trims the zeros too: the file ends with its records.
    expect(readFileSync(last).includes(garbage), 'the torn tail is cut at open').toBe(false);
    expect(statSync(last).size).toBeLessThanOrEqual(sizeBefore);
    checkRound('torn', acknowledged, dequeued, new Set());

    // The log goes on after the cut: new messages get new ids and their bodies back.
    const memory = LocalMemory.open(directory(), { lnr: { segmentBytesMax } });
    try {
      const session = new SqlSession({ memory, account: 'acme' });
      const [enqueued] = await session.execute("ENQUEUE INTO q VALUES ('after-1'), ('after-2') RETURNING id");
      const newIds = enqueued!.rows.map((row) => Number(row[0]));
      for (const id of newIds) expect(dequeued.some((message) => message.id === id)).toBe(false);
      const [after] = await session.execute('DEQUEUE FROM q LIMIT 10');
      expect(after!.rows.map((row) => [Number(row[0]), row[2]])).toEqual([
        [newIds[0], 'after-1'],
        [newIds[1], 'after-2'],
      ]);
    } finally {
      await memory.close();
    }
  });
});
