/**
 * Rendezvous (highest random weight) placement (DESIGN §2).
 *
 * Each node id is hashed once. For a pointer, every node gets the score
 * mix(first 64 bits of the pointer XOR the node's hash), turned into a uniform
 * u in (0,1) and weighted as -weight / ln(u); the replicas are the R nodes with
 * the highest scores, best first. Adding a node only takes pointers for which it
 * now scores highest; removing one only moves the pointers it held.
 *
 * The 64-bit arithmetic is done in two 32-bit halves: BigInt is an order of
 * magnitude slower, and placement runs once per replica set on every request.
 */
import { createHash } from 'node:crypto';
import { SqlError, SqlState } from '../common/sql-error.js';

export interface NodeSpec {
  readonly id: string;
  readonly weight: number;
}

export const replicasDefault = 3;

const two53 = 2 ** 53;

export class Placement {
  readonly nodes: readonly NodeSpec[];
  private readonly hashHigh: Uint32Array;
  private readonly hashLow: Uint32Array;
  private readonly weights: Float64Array;

  constructor(nodes: readonly NodeSpec[]) {
    checkNodes(nodes);
    this.nodes = nodes.map((node) => Object.freeze({ id: node.id, weight: node.weight }));
    this.hashHigh = new Uint32Array(nodes.length);
    this.hashLow = new Uint32Array(nodes.length);
    this.weights = Float64Array.from(nodes, (node) => node.weight);
    nodes.forEach((node, index) => {
      const digest = createHash('sha512').update(node.id, 'utf8').digest();
      this.hashHigh[index] = digest.readUInt32BE(0);
      this.hashLow[index] = digest.readUInt32BE(4);
    });
  }

  /** The ids of the `count` replicas of a pointer, best first. */
  replicas(pointer: Uint8Array, count: number = replicasDefault): string[] {
    return this.replicaIndexes(pointer, count).map((index) => this.nodes[index]!.id);
  }

  /** Indexes into `nodes` of the `count` replicas of a pointer, best first. */
  replicaIndexes(pointer: Uint8Array, count: number = replicasDefault): number[] {
    this.checkReplicaCount(count);
    const pointerHigh = readUint32BE(pointer, 0);
    const pointerLow = readUint32BE(pointer, 4);
    const best: number[] = [];
    const bestScores: number[] = [];
    for (let index = 0; index < this.weights.length; index++) {
      const score = this.score(index, pointerHigh, pointerLow);
      insertIfBetter(best, bestScores, count, index, score);
    }
    return best;
  }

  /** The score of node `index` for a pointer whose first 64 bits are (high, low). */
  score(index: number, pointerHigh: number, pointerLow: number): number {
    mix64((pointerHigh ^ this.hashHigh[index]!) >>> 0, (pointerLow ^ this.hashLow[index]!) >>> 0);
    // Top 53 bits of the mix, centred in their interval so u is never 0 or 1.
    const u = (mixed.high * 2 ** 21 + (mixed.low >>> 11) + 0.5) / two53;
    return -this.weights[index]! / Math.log(u);
  }

  private checkReplicaCount(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > this.nodes.length) {
      throw new SqlError(
        SqlState.invalidParameterValue,
        `replica count must be an integer from 1 to the number of nodes (${this.nodes.length}), got ${count}`,
      );
    }
  }
}

function checkNodes(nodes: readonly NodeSpec[]): void {
  if (nodes.length === 0) throw new SqlError(SqlState.invalidParameterValue, 'placement needs at least one node');
  const seen = new Set<string>();
  for (const node of nodes) {
    if (node.id.length === 0) throw new SqlError(SqlState.invalidParameterValue, 'a node id must not be empty');
    if (seen.has(node.id)) throw new SqlError(SqlState.invalidParameterValue, `node id "${node.id}" appears twice`);
    if (!Number.isFinite(node.weight) || node.weight <= 0) {
      throw new SqlError(SqlState.invalidParameterValue, `node "${node.id}" has weight ${node.weight}: it must be a positive number`);
    }
    seen.add(node.id);
  }
}

/** Keeps `best` sorted by descending score, at most `count` long; ties go to the lower node index. */
function insertIfBetter(best: number[], bestScores: number[], count: number, index: number, score: number): void {
  if (best.length === count && score <= bestScores[count - 1]!) return;
  let position = Math.min(best.length, count - 1);
  while (position > 0 && bestScores[position - 1]! < score) position--;
  best.splice(position, 0, index);
  bestScores.splice(position, 0, score);
  if (best.length > count) {
    best.pop();
    bestScores.pop();
  }
}

function readUint32BE(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

// ---------------------------------------------------------------------------
// 64-bit arithmetic in 32-bit halves

/** The result of the last mix64 call; a shared slot avoids an allocation per score. */
const mixed = { high: 0, low: 0 };
const product = { high: 0, low: 0 };

/** MurmurHash3's fmix64 finalizer: every input bit affects every output bit. */
export function mix64(high: number, low: number): { high: number; low: number } {
  low = (low ^ (high >>> 1)) >>> 0;
  multiply64(high, low, 0xff51afd7, 0xed558ccd);
  high = product.high;
  low = (product.low ^ (high >>> 1)) >>> 0;
  multiply64(high, low, 0xc4ceb9fe, 0x1a85ec53);
  mixed.high = product.high;
  mixed.low = (product.low ^ (product.high >>> 1)) >>> 0;
  return mixed;
}

/** (aHigh:aLow * bHigh:bLow) mod 2^64 into `product`. */
function multiply64(aHigh: number, aLow: number, bHigh: number, bLow: number): void {
  const a0 = aLow & 0xffff;
  const a1 = aLow >>> 16;
  const b0 = bLow & 0xffff;
  const b1 = bLow >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  product.low = (((middle & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
  product.high = (carry + Math.imul(aHigh, bLow) + Math.imul(aLow, bHigh)) >>> 0;
}
