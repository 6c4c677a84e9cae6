/**
 * Child process of queue-kill.test.ts: opens LocalMemory on `argv[2]` with small lnr
 * segments, makes queue `q` of account `acme` (if it is not there yet), then ENQUEUEs
 * from several concurrent SqlSessions until it is killed. After each ENQUEUE returns it
 * prints one JSON line {"ids": [...], "bodies": [...]}: stdout to a pipe is written
 * synchronously on Linux, so a printed statement was acknowledged before the parent can
 * read it. Bounded (a forgotten child ends by itself).
 *
 * usage: queue-kill-child.ts <data directory> <tag> <seed>
 * Bodies are `<tag>-s<session>-<n>-<padding>`, so the parent can tell rounds and sessions apart.
 */
import { SqlSession } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import { seededRandom } from '../seeded-random.js';

const queueKillSegmentBytesMax = 16 * 1024;

const [directory, tag, seedText] = process.argv.slice(2);
if (directory === undefined || tag === undefined || seedText === undefined) throw new Error('usage: queue-kill-child.ts <data directory> <tag> <seed>');

const sessionsCount = 4;
const statementsMax = 50_000;
setTimeout(() => process.exit(3), 60_000).unref();

const next = seededRandom(Number(seedText));

const memory = LocalMemory.open(directory, { lnr: { segmentBytesMax: queueKillSegmentBytesMax } });
await new SqlSession({ memory, account: 'acme' }).execute('CREATE QUEUE IF NOT EXISTS q WITH (staged_bytes_max = 256)'); // staged and logged batches both
process.stdout.write('ready\n');

let statements = 0;
async function producer(s: number): Promise<void> {
  const session = new SqlSession({ memory, account: 'acme' });
  for (let n = 0; statements < statementsMax; ) {
    statements++;
    const k = 1 + Math.floor(next() * 10);
    const bodies = Array.from({ length: k }, (_, index) => `${tag}-s${s}-${n + index}-${'z'.repeat(Math.floor(next() * 80))}`);
    const values = bodies.map((_, index) => `($${index + 1})`).join(', ');
    const [result] = await session.execute(`ENQUEUE INTO q VALUES ${values} RETURNING id`, bodies);
    const ids = result!.rows.map((row) => Number(row[0]));
    process.stdout.write(`${JSON.stringify({ ids, bodies })}\n`);
    n += k;
  }
}

await Promise.all(Array.from({ length: sessionsCount }, (_, s) => producer(s)));
await memory.close();
