/**
 * A deterministic world for the cluster's protocol code: one seeded random source, a
 * virtual clock and an event queue; a network that delays, reorders, duplicates, drops
 * and partitions messages; nodes that crash (losing every write not yet synced) and
 * restart; disks that make a write durable some time after it is issued. The protocol
 * code under test (cluster/caspaxos) is the real code, given this world's clock, random
 * source and transport. A run is a function of its seed: a failure prints the seed, and
 * the same seed replays it.
 */

import { seededRandom } from '../seeded-random.js';

interface Event {
  readonly time: number;
  readonly order: number;
  readonly run: () => void;
}

/** The clock and the event queue. Events at the same time run in the order they were scheduled. */
export class World {
  now = 0;
  readonly random: () => number;
  private readonly events: Event[] = [];
  private scheduled = 0;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  schedule(delay: number, run: () => void): void {
    const event = { time: this.now + delay, order: this.scheduled++, run };
    // Binary search for the insertion point: the queue stays sorted by (time, order).
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.events[middle]!;
      if (other.time < event.time || (other.time === event.time && other.order < event.order)) low = middle + 1;
      else high = middle;
    }
    this.events.splice(low, 0, event);
  }

  sleep(milliseconds: number): Promise<void> {
    return new Promise((resolve) => this.schedule(milliseconds, resolve));
  }

  between(low: number, high: number): number {
    return low + this.random() * (high - low);
  }

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  /**
   * Runs events in time order until `done()` holds or the queue is empty. After each event
   * every promise continuation it caused runs before the next event (the macrotask boundary
   * drains the microtask queue), so the interleaving depends on the seed alone.
   */
  async run(done: () => boolean, eventsMax = 5_000_000): Promise<void> {
    for (let count = 0; !done() && this.events.length > 0; count++) {
      if (count >= eventsMax) throw new Error(`seed ${this.seed}: more than ${eventsMax} events`);
      const event = this.events.shift()!;
      this.now = event.time;
      event.run();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

export interface NetworkFaults {
  readonly delayMax: number;
  readonly dropProbability: number;
  readonly duplicateProbability: number;
  /** How long a caller waits for a reply before giving up on it. */
  readonly timeout: number;
}

/** A node's life: it serves requests only while up, and a crash ends its incarnation. */
export class SimNode {
  up = true;
  incarnation = 0;

  constructor(readonly id: string) {}
}

/** Request and reply over a lossy network; a side of a partition reaches only its own side. */
export class Network {
  /** Node id → partition side; nodes not listed are on side 0. */
  private sides = new Map<string, number>();
  sent = 0;

  constructor(
    private readonly world: World,
    private readonly faults: NetworkFaults,
  ) {}

  partition(sides: ReadonlyMap<string, number>): void {
    this.sides = new Map(sides);
  }

  heal(): void {
    this.sides.clear();
  }

  /**
   * Sends a request from `from` to `to`, where `handle` runs if the node is up when it
   * arrives (a duplicated request runs it twice); the first reply that makes it back
   * resolves, and after `timeout` with none the request rejects.
   */
  request<T>(from: string, to: SimNode, handle: () => Promise<T>): Promise<T> {
    this.sent++;
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      this.world.schedule(this.faults.timeout, () => {
        if (!answered) {
          answered = true;
          reject(new Error(`no reply from ${to.id}`));
        }
      });
      const deliveries = this.world.chance(this.faults.duplicateProbability) ? 2 : 1;
      for (let copy = 0; copy < deliveries; copy++) {
        this.carry(from, to.id, () => {
          if (!to.up) return;
          const incarnation = to.incarnation;
          void handle().then((reply) => {
            // A node that crashed while handling sends nothing.
            if (!to.up || to.incarnation !== incarnation) return;
            this.carry(to.id, from, () => {
              if (!answered) {
                answered = true;
                resolve(reply);
              }
            });
          });
        });
      }
    });
  }

  /** One message: delayed, maybe dropped, never across a partition (checked when it arrives). */
  private carry(from: string, to: string, arrive: () => void): void {
    if (this.world.chance(this.faults.dropProbability)) return;
    this.world.schedule(this.world.between(0, this.faults.delayMax), () => {
      if ((this.sides.get(from) ?? 0) === (this.sides.get(to) ?? 0)) arrive();
    });
  }
}

/**
 * A node's disk: a write becomes durable some time after it is issued and resolves then;
 * a crash loses every write not yet durable. Reads see durable state only, which is what
 * a restarted node finds.
 */
export class SimDisk<T> {
  private readonly durable = new Map<string, T>();

  constructor(
    private readonly world: World,
    private readonly node: SimNode,
    private readonly syncDelayMax: number,
  ) {}

  async read(key: string): Promise<T | undefined> {
    return this.durable.get(key);
  }

  write(key: string, value: T): Promise<void> {
    const incarnation = this.node.incarnation;
    return new Promise((resolve) => {
      this.world.schedule(this.world.between(0, this.syncDelayMax), () => {
        if (!this.node.up || this.node.incarnation !== incarnation) return; // lost in the crash: never resolves
        this.durable.set(key, value);
        resolve();
      });
    });
  }
}
