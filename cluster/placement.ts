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
  private readonly equalWeights: boolean;

  constructor(nodes: readonly NodeSpec[]) {
    checkNodes(nodes);
    this.nodes = nodes.map((node) => Object.freeze({ id: node.id, weight: node.weight }));
    this.hashHigh = new Uint32Array(nodes.length);
    this.hashLow = new Uint32Array(nodes.length);
    this.weights = Float64Array.from(nodes, (node) => node.weight);
    this.equalWeights = nodes.every((node) => node.weight === nodes[0]!.weight);
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
    const best = new Array<number>(count);
    const bestScores = new Float64Array(count).fill(-1);
    for (let index = 0; index < this.weights.length; index++) {
      const score = this.score(index, pointerHigh, pointerLow);
      if (score > bestScores[count - 1]!) insertBest(best, bestScores, index, score);
    }
    return best;
  }

  /** The score of node `index` for a pointer whose first 64 bits are (high, low); higher wins. */
  score(index: number, pointerHigh: number, pointerLow: number): number {
    const u = mixToUnitInterval((pointerHigh ^ this.hashHigh[index]!) >>> 0, (pointerLow ^ this.hashLow[index]!) >>> 0);
    // With equal weights -w/ln(u) orders nodes exactly as u does: skip the logarithm.
    return this.equalWeights ? u : -this.weights[index]! / Math.log(u);
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

/** Inserts a node into the full, descending `best` list, dropping the last; ties keep the lower index first. */
function insertBest(best: number[], bestScores: Float64Array, index: number, score: number): void {
  let position = bestScores.length - 1;
  while (position > 0 && bestScores[position - 1]! < score) {
    best[position] = best[position - 1]!;
    bestScores[position] = bestScores[position - 1]!;
    position--;
  }
  best[position] = index;
  bestScores[position] = score;
}

function readUint32BE(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

// ---------------------------------------------------------------------------
// 64-bit arithmetic in 32-bit halves

/**
 * MurmurHash3's fmix64 finalizer (every input bit affects every output bit),
 * then its top 53 bits centred in their interval: a uniform u in (0,1), never 0 or 1.
 */
function mixToUnitInterval(high: number, low: number): number {
  const mixed = mix64(high, low);
  return (mixed.high * 2 ** 21 + (mixed.low >>> 11) + 0.5) / two53;
}

/** The result of the last mix64 call; a shared slot avoids an allocation per score. */
const mixed = { high: 0, low: 0 };

export function mix64(high: number, low: number): { readonly high: number; readonly low: number } {
  low = (low ^ (high >>> 1)) >>> 0;
  // h *= 0xff51afd7ed558ccd
  let productLow = multiplyLow(low, 0xed558ccd);
  let productHigh = (multiplyHigh(low, 0xed558ccd) + Math.imul(high, 0xed558ccd) + Math.imul(low, 0xff51afd7)) >>> 0;
  high = productHigh;
  low = (productLow ^ (high >>> 1)) >>> 0;
  // h *= 0xc4ceb9fe1a85ec53
  productLow = multiplyLow(low, 0x1a85ec53);
  productHigh = (multiplyHigh(low, 0x1a85ec53) + Math.imul(high, 0x1a85ec53) + Math.imul(low, 0xc4ceb9fe)) >>> 0;
  mixed.high = productHigh;
  mixed.low = (productLow ^ (productHigh >>> 1)) >>> 0;
  return mixed;
}

/** Low 32 bits of the 64-bit product of two unsigned 32-bit numbers. */
function multiplyLow(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/** High 32 bits of the 64-bit product of two unsigned 32-bit numbers, from 16-bit halves. */
function multiplyHigh(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const middle = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
}
