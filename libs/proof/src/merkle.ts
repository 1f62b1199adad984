import { hash } from 'node:crypto';
import { bytesEqual } from './encoding.js';

/** RFC 6962 / RFC 9162 Merkle tree with SHA-256. Tree sizes and indexes are safe integers. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

// One-shot crypto.hash over one buffer is markedly faster than a Hash object with several updates.
function sha256(data: Uint8Array): Uint8Array {
  return hash('sha256', data, 'buffer');
}

export function leafHash(input: Uint8Array): Uint8Array {
  const data = new Uint8Array(1 + input.length);
  data[0] = LEAF_PREFIX;
  data.set(input, 1);
  return sha256(data);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const data = new Uint8Array(1 + left.length + right.length);
  data[0] = NODE_PREFIX;
  data.set(left, 1);
  data.set(right, 1 + left.length);
  return sha256(data);
}

/** MTH({}) — the root of the tree with no leaves. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** A complete subtree: `level` 0 is a leaf; (level, index) covers leaves [index·2^level, (index+1)·2^level). */
export interface NodeAddress {
  readonly level: number;
  readonly index: number;
}

/** One row of `merkle_nodes`. */
export interface MerkleNode extends NodeAddress {
  readonly hash: Uint8Array;
}

/** Node hashes fetched from storage, keyed by {@link nodeKey}. */
export type FetchedNodes = ReadonlyMap<string, Uint8Array>;

/** The stored nodes a proof or root needs, and how to put it together once they are fetched. */
export interface MerklePlan<T> {
  /** Distinct addresses, each needed exactly once. */
  readonly nodes: readonly NodeAddress[];
  /** Throws a RangeError naming the first needed node missing from `fetched`. */
  assemble(fetched: FetchedNodes): T;
}

export function nodeKey(level: number, index: number): string {
  return `${level}:${index}`;
}

export interface AppendResult {
  /** Every complete subtree that exists now and did not before, leaves included. */
  readonly nodes: MerkleNode[];
  readonly frontier: Uint8Array[];
  readonly size: number;
}

/**
 * Extends a tree given only its frontier: the roots of the complete subtrees along its right
 * edge, largest first (one per set bit of `size`). Amortised O(1) hashes per leaf.
 */
export function appendLeaves(
  frontier: readonly Uint8Array[],
  size: number,
  newLeafHashes: Iterable<Uint8Array>,
): AppendResult {
  requireFrontier(frontier, size);
  const edge = frontier.slice();
  const nodes: MerkleNode[] = [];
  let treeSize = size;
  for (const leaf of newLeafHashes) {
    requireHash(leaf, 'leaf hash');
    if (treeSize >= Number.MAX_SAFE_INTEGER) throw new RangeError('tree size would exceed 2^53 - 1');
    nodes.push({ level: 0, index: treeSize, hash: leaf });
    let hash = leaf;
    let level = 0;
    let index = treeSize;
    // Each trailing 1 bit of the old size is a complete left sibling that now gets its pair.
    while (index % 2 === 1) {
      hash = nodeHash(edge.pop() as Uint8Array, hash);
      level++;
      index = (index - 1) / 2;
      nodes.push({ level, index, hash });
    }
    edge.push(hash);
    treeSize++;
  }
  return { nodes, frontier: edge, size: treeSize };
}

export function rootFromFrontier(frontier: readonly Uint8Array[], size: number): Uint8Array {
  requireFrontier(frontier, size);
  return size === 0 ? emptyRoot() : subtreeHash(frontier);
}

/**
 * The stored complete subtrees whose right-to-left fold is the RFC 6962 hash of leaves
 * [start, end), largest first. Defined for the ranges that occur in roots and proofs: those
 * where every left split of MTH falls on a complete subtree, i.e. `start` is a multiple of the
 * largest power of two below end − start (or of end − start itself, when that is a power of two).
 */
export function subtreeNodes(start: number, end: number): NodeAddress[] {
  requireIndex(start, 'start');
  requireIndex(end, 'end');
  if (end <= start) throw new RangeError(`empty leaf range [${start}, ${end})`);
  const nodes: NodeAddress[] = [];
  let from = start;
  let count = end - start;
  while (count > 0) {
    if (isPowerOfTwo(count) && from % count === 0) {
      nodes.push({ level: log2(count), index: from / count });
      break;
    }
    const split = largestPowerOfTwoBelow(count);
    if (from % split !== 0) {
      throw new RangeError(`leaf range [${start}, ${end}) is not made of complete subtrees the way MTH splits it`);
    }
    nodes.push({ level: log2(split), index: from / split });
    from += split;
    count -= split;
  }
  return nodes;
}

/** Combines the hashes of {@link subtreeNodes}, given in the same order. */
export function subtreeHash(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) throw new RangeError('a subtree hash needs at least one node');
  let hash = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) hash = nodeHash(hashes[i], hash);
  return hash;
}

export function rootPlan(size: number): MerklePlan<Uint8Array> {
  requireIndex(size, 'tree size');
  if (size === 0) return { nodes: [], assemble: () => emptyRoot() };
  const plan = rangesPlan([[0, size]]);
  return { nodes: plan.nodes, assemble: (fetched) => plan.assemble(fetched)[0] };
}

/** RFC 9162 §2.1.3.1 PATH(index, D[0:size]), ordered from the leaf's sibling upwards. */
export function inclusionProofPlan(index: number, size: number): MerklePlan<Uint8Array[]> {
  requireIndex(index, 'leaf index');
  requireIndex(size, 'tree size');
  if (index >= size) throw new RangeError(`leaf index ${index} is not below tree size ${size}`);
  const ranges: Array<[number, number]> = [];
  let from = 0;
  let to = size;
  while (to - from > 1) {
    const split = from + largestPowerOfTwoBelow(to - from);
    if (index < split) {
      ranges.push([split, to]);
      to = split;
    } else {
      ranges.push([from, split]);
      from = split;
    }
  }
  return rangesPlan(ranges.reverse());
}

/**
 * RFC 9162 §2.1.4.1 PROOF(oldSize, D[0:newSize]). Needs 0 < oldSize <= newSize: a proof from the
 * empty tree is meaningless, and the published verifiers reject it.
 */
export function consistencyProofPlan(oldSize: number, newSize: number): MerklePlan<Uint8Array[]> {
  requireIndex(oldSize, 'old tree size');
  requireIndex(newSize, 'new tree size');
  if (oldSize === 0) throw new RangeError('no consistency proof exists from the empty tree');
  if (oldSize > newSize) throw new RangeError(`old tree size ${oldSize} exceeds new tree size ${newSize}`);
  const ranges: Array<[number, number]> = [];
  let from = 0;
  let to = newSize;
  let oldRootIsKnown = true;
  while (to !== oldSize) {
    const split = from + largestPowerOfTwoBelow(to - from);
    if (oldSize <= split) {
      ranges.push([split, to]);
      to = split;
    } else {
      ranges.push([from, split]);
      from = split;
      oldRootIsKnown = false;
    }
  }
  if (!oldRootIsKnown) ranges.push([from, to]);
  return rangesPlan(ranges.reverse());
}

function rangesPlan(ranges: ReadonlyArray<readonly [number, number]>): MerklePlan<Uint8Array[]> {
  const parts = ranges.map(([start, end]) => subtreeNodes(start, end));
  const nodes: NodeAddress[] = [];
  const seen = new Set<string>();
  for (const address of parts.flat()) {
    const key = nodeKey(address.level, address.index);
    if (seen.has(key)) continue;
    seen.add(key);
    nodes.push(address);
  }
  return {
    nodes,
    assemble: (fetched) =>
      parts.map((part) =>
        subtreeHash(
          part.map(({ level, index }) => {
            const hash = fetched.get(nodeKey(level, index));
            if (hash === undefined) throw new RangeError(`Merkle node (${level}, ${index}) was not fetched`);
            requireHash(hash, `Merkle node (${level}, ${index})`);
            return hash;
          }),
        ),
      ),
  };
}

/** A whole tree in memory, for tests and for verifiers that recompute everything from leaves. */
export class MemoryMerkleTree {
  /** levels[level][index] is the hash of that complete subtree. */
  private readonly levels: Uint8Array[][] = [];
  private frontier: Uint8Array[] = [];
  private leafCount = 0;

  get size(): number {
    return this.leafCount;
  }

  /** Appends leaves by their input bytes; returns the new tree size. */
  appendLeafInputs(inputs: Iterable<Uint8Array>): number {
    const hashes: Uint8Array[] = [];
    for (const input of inputs) hashes.push(leafHash(input));
    return this.appendLeafHashes(hashes);
  }

  appendLeafHashes(hashes: Iterable<Uint8Array>): number {
    const result = appendLeaves(this.frontier, this.leafCount, hashes);
    for (const { level, index, hash } of result.nodes) {
      (this.levels[level] ??= [])[index] = hash;
    }
    this.frontier = result.frontier;
    this.leafCount = result.size;
    return this.leafCount;
  }

  node(level: number, index: number): Uint8Array | undefined {
    return this.levels[level]?.[index];
  }

  leafHash(index: number): Uint8Array {
    const hash = this.node(0, index);
    if (hash === undefined) throw new RangeError(`leaf ${index} is beyond tree size ${this.leafCount}`);
    return hash;
  }

  root(size: number = this.leafCount): Uint8Array {
    if (size === this.leafCount) return rootFromFrontier(this.frontier, size);
    return this.resolve(rootPlan(this.requireSize(size)));
  }

  inclusionProof(index: number, size: number = this.leafCount): Uint8Array[] {
    return this.resolve(inclusionProofPlan(index, this.requireSize(size)));
  }

  consistencyProof(oldSize: number, newSize: number = this.leafCount): Uint8Array[] {
    return this.resolve(consistencyProofPlan(oldSize, this.requireSize(newSize)));
  }

  private requireSize(size: number): number {
    if (size > this.leafCount) throw new RangeError(`tree size ${size} exceeds the ${this.leafCount} leaves appended`);
    return size;
  }

  private resolve<T>(plan: MerklePlan<T>): T {
    const fetched = new Map<string, Uint8Array>();
    for (const { level, index } of plan.nodes) {
      const hash = this.node(level, index);
      if (hash !== undefined) fetched.set(nodeKey(level, index), hash);
    }
    return plan.assemble(fetched);
  }
}

/**
 * RFC 9162 §2.1.3.2. False, never an exception, for anything malformed: sizes or indexes that are
 * not safe non-negative integers, index >= size, hashes that are not 32 bytes, wrong proof length.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isIndex(leafIndex) || !isIndex(treeSize) || leafIndex >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !isHashList(proof)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2, which is defined for 0 < oldSize < newSize, plus the edge cases as the
 * transparency-dev/merkle verifier and its published vectors settle them: equal sizes need an
 * empty proof and byte-identical roots (of any length, as those vectors require); a proof from
 * the empty tree is rejected. False, never an exception, for malformed input.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean {
  if (!isIndex(oldSize) || !isIndex(newSize) || oldSize === 0 || oldSize > newSize) return false;
  if (!(oldRoot instanceof Uint8Array) || !(newRoot instanceof Uint8Array) || !Array.isArray(proof)) return false;
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  if (proof.length === 0 || !isHash(oldRoot) || !isHash(newRoot) || !isHashList(proof)) return false;

  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
}

function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

function isHashList(value: unknown): value is readonly Uint8Array[] {
  return Array.isArray(value) && value.every(isHash);
}

function requireIndex(value: number, what: string): void {
  if (!isIndex(value)) throw new RangeError(`${what} must be a non-negative safe integer, got ${String(value)}`);
}

function requireHash(value: Uint8Array, what: string): void {
  if (!isHash(value)) throw new RangeError(`${what} must be ${HASH_SIZE} bytes`);
}

function requireFrontier(frontier: readonly Uint8Array[], size: number): void {
  requireIndex(size, 'tree size');
  if (frontier.length !== popCount(size)) {
    throw new RangeError(`a tree of size ${size} has a frontier of ${popCount(size)} hashes, got ${frontier.length}`);
  }
  frontier.forEach((hash, i) => requireHash(hash, `frontier hash ${i}`));
}

// Bitwise operators truncate to 32 bits; tree sizes may not fit, so these use arithmetic.

function popCount(value: number): number {
  let count = 0;
  for (let rest = value; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}

function isPowerOfTwo(value: number): boolean {
  return value > 0 && 2 ** log2(value) === value;
}

function log2(value: number): number {
  return Math.round(Math.log2(value));
}

/** The largest power of two strictly below `value` (value > 1). */
function largestPowerOfTwoBelow(value: number): number {
  let power = 1;
  while (power * 2 < value) power *= 2;
  return power;
}
