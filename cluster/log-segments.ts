/**
 * How a log (a queue's linear memory, `account/resource/lnr`) is laid out on a cluster
 * (docs/cluster.md, "The linear memory"): a sequence of segments, each written by one
 * gateway and stored on the R rendezvous replicas of its own pointer, with its records
 * numbered inside the segment's range:
 *
 *     record number = segment × recordsPerSegment + index in the segment
 *
 *     account/resource/lnr/<segment>                the segment's pointer: where its records live
 *     account/resource/lnr/segments/<segment>       metadata word: who claimed it, when, sealed at
 *     account/resource/lnr/next segment             the next segment number to claim (a counter)
 *
 * Segment numbers are claimed from the counter and never reused, not even after the log is
 * dropped, so a record number names one payload forever.
 */
import { wordAddress, type WordAddress } from '../store/key.js';
import type { LogAddress } from '../store/memory.js';

/** Records one segment may hold: the index takes 20 bits of the record number. */
export const recordsPerSegment = 2 ** 20;
/** Segment numbers stay below this, so record numbers stay safe integers. */
export const segmentNumberLimit = Math.floor(Number.MAX_SAFE_INTEGER / recordsPerSegment);

export function segmentOf(record: number): number {
  return Math.floor(record / recordsPerSegment);
}

/** The first record number of a segment. */
export function segmentBase(segment: number): number {
  return segment * recordsPerSegment;
}

/** The address whose pointer places a segment's records (its replicas). */
export function segmentPlacement(log: LogAddress, segment: number): WordAddress {
  return wordAddress({ account: log.account, resource: log.resource, resourceType: 'lnr', primaryKey: BigInt(segment) });
}

/** The metadata word of a segment; all of a log's share a pointer, ordered by segment number. */
export function segmentWord(log: LogAddress, segment: number): WordAddress {
  return wordAddress({ account: log.account, resource: log.resource, resourceType: 'lnr', primaryKey: 'segments', sortKey: BigInt(segment) });
}

/** The counter word of a log's segment numbers. */
export function nextSegmentWord(log: LogAddress): WordAddress {
  return wordAddress({ account: log.account, resource: log.resource, resourceType: 'lnr', primaryKey: 'next segment' });
}
