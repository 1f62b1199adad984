import { createHash } from 'node:crypto';
import {
  MemoryMerkleTree,
  appendLeaves,
  consistencyProofPlan,
  emptyRoot,
  inclusionProofPlan,
  leafHash,
  nodeHash,
  nodeKey,
  rootFromFrontier,
  rootPlan,
  subtreeHash,
  subtreeNodes,
  verifyConsistency,
  verifyInclusion,
  type MerkleNode,
  type MerklePlan,
} from '@ledger/proof';
import { jsonFixturesUnder, readFixture } from './fixtures.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const b64 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'base64'));

// transparency-dev/merkle testonly/constants.go (Apache-2.0): LeafInputs, RootHashes, NodeHashes.
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
// The same file's CompactTrees(): the frontier for each size, as (level, index) into NODE_HASHES.
const FRONTIERS: Array<Array<[number, number]>> = [
  [],
  [[0, 0]],
  [[1, 0]],
  [[1, 0], [0, 2]],
  [[2, 0]],
  [[2, 0], [0, 4]],
  [[2, 0], [1, 2]],
  [[2, 0], [1, 2], [0, 6]],
  [[3, 0]],
];

/** RFC 6962 §2.1 written out literally, with its own hashing, as the reference to compare with. */
class NaiveTree {
  private readonly memo = new Map<string, Uint8Array>();

  constructor(private readonly leaves: readonly Uint8Array[]) {}

  static sha256(...parts: Uint8Array[]): Uint8Array {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    return hash.digest();
  }

  static split(n: number): number {
    let k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  /** MTH(D[lo:hi]) over leaf inputs. */
  mth(lo: number, hi: number): Uint8Array {
    const key = `${lo}:${hi}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    let hash: Uint8Array;
    if (hi - lo === 0) hash = NaiveTree.sha256();
    else if (hi - lo === 1) hash = NaiveTree.sha256(Uint8Array.of(0), this.leaves[lo]);
    else {
      const k = NaiveTree.split(hi - lo);
      hash = NaiveTree.sha256(Uint8Array.of(1), this.mth(lo, lo + k), this.mth(lo + k, hi));
    }
    this.memo.set(key, hash);
    return hash;
  }

  /** PATH(m, D[lo:hi]), m relative to lo. */
  path(m: number, lo: number, hi: number): Uint8Array[] {
    if (hi - lo <= 1) return [];
    const k = NaiveTree.split(hi - lo);
    return m < k ? [...this.path(m, lo, lo + k), this.mth(lo + k, hi)] : [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** SUBPROOF(m, D[lo:hi], b), m relative to lo. */
  subproof(m: number, lo: number, hi: number, complete: boolean): Uint8Array[] {
    if (m === hi - lo) return complete ? [] : [this.mth(lo, hi)];
    const k = NaiveTree.split(hi - lo);
    return m <= k
      ? [...this.subproof(m, lo, lo + k, complete), this.mth(lo + k, hi)]
      : [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }
}

/** A stand-in for the merkle_nodes table: plans are resolved against it and nothing else. */
class NodeTable {
  readonly rows = new Map<string, Uint8Array>();
  reads = 0;

  insert(nodes: readonly MerkleNode[]): void {
    for (const { level, index, hash } of nodes) {
      const key = nodeKey(level, index);
      if (this.rows.has(key)) throw new Error(`node ${key} inserted twice`);
      this.rows.set(key, hash);
    }
  }

  resolve<T>(plan: MerklePlan<T>): T {
    const fetched = new Map<string, Uint8Array>();
    for (const { level, index } of plan.nodes) {
      const hash = this.rows.get(nodeKey(level, index));
      this.reads++;
      if (hash !== undefined) fetched.set(nodeKey(level, index), hash);
    }
    return plan.assemble(fetched);
  }
}

function flip(hash: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(hash);
  copy[7] ^= 0x10;
  return copy;
}

const referenceInputs = LEAF_INPUTS.map(fromHex);

describe('RFC 6962 hashing', () => {
  it('hashes leaves, nodes and the empty tree with the RFC prefixes', () => {
    expect(hex(emptyRoot())).toBe(ROOTS[0]);
    expect(hex(leafHash(new Uint8Array()))).toBe(NODE_HASHES[0][0]);
    expect(hex(leafHash(fromHex('00')))).toBe(NODE_HASHES[0][1]);
    expect(hex(nodeHash(fromHex(NODE_HASHES[0][0]), fromHex(NODE_HASHES[0][1])))).toBe(NODE_HASHES[1][0]);
  });
});

describe('the transparency-dev reference tree', () => {
  it('has the published roots for every size 0..8', () => {
    const tree = new MemoryMerkleTree();
    expect(hex(tree.root())).toBe(ROOTS[0]);
    referenceInputs.forEach((input, i) => {
      tree.appendLeafInputs([input]);
      expect(hex(tree.root())).toBe(ROOTS[i + 1]);
    });
    for (let size = 0; size <= 8; size++) expect(hex(tree.root(size))).toBe(ROOTS[size]);
  });

  it('stores exactly the published complete-subtree hashes', () => {
    const table = new NodeTable();
    table.insert(appendLeaves([], 0, referenceInputs.map(leafHash)).nodes);
    const expected = NODE_HASHES.flatMap((level, l) => level.map((hash, i) => [nodeKey(l, i), hash]));
    expect([...table.rows].map(([key, hash]) => [key, hex(hash)]).sort()).toEqual(expected.sort());
  });

  it('keeps the published frontier after every append', () => {
    let frontier: Uint8Array[] = [];
    for (let size = 0; size < 8; size++) {
      expect(frontier.map(hex)).toEqual(FRONTIERS[size].map(([l, i]) => NODE_HASHES[l][i]));
      ({ frontier } = appendLeaves(frontier, size, [leafHash(referenceInputs[size])]));
    }
    expect(frontier.map(hex)).toEqual([NODE_HASHES[3][0]]);
  });

  it('reproduces the happy-path proofs of the published vectors', () => {
    const tree = new MemoryMerkleTree();
    tree.appendLeafInputs(referenceInputs);
    for (const name of jsonFixturesUnder('rfc6962', 'inclusion').filter((n) => /^\d\/happy-path/.test(n))) {
      const vector = JSON.parse(readFixture('rfc6962', 'inclusion', name).toString()) as InclusionVector;
      expect(tree.inclusionProof(vector.leafIdx, vector.treeSize).map(hex)).toEqual((vector.proof ?? []).map((p) => hex(b64(p))));
      expect(hex(tree.root(vector.treeSize))).toBe(hex(b64(vector.root)));
    }
    for (const name of jsonFixturesUnder('rfc6962', 'consistency').filter((n) => /^\d\/happy-path/.test(n))) {
      const vector = JSON.parse(readFixture('rfc6962', 'consistency', name).toString()) as ConsistencyVector;
      expect(tree.consistencyProof(vector.size1, vector.size2).map(hex)).toEqual((vector.proof ?? []).map((p) => hex(b64(p))));
    }
  });
});

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

describe('verifiers against the transparency-dev vectors', () => {
  const inclusion = jsonFixturesUnder('rfc6962', 'inclusion');
  const consistency = jsonFixturesUnder('rfc6962', 'consistency');

  it('has all 98 inclusion and 98 consistency vectors', () => {
    expect(inclusion).toHaveLength(98);
    expect(consistency).toHaveLength(98);
  });

  it.each(inclusion)('inclusion/%s', (name) => {
    const v = JSON.parse(readFixture('rfc6962', 'inclusion', name).toString()) as InclusionVector;
    const proof = (v.proof ?? []).map(b64);
    expect(verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), proof, b64(v.root))).toBe(!v.wantErr);
  });

  it.each(consistency)('consistency/%s', (name) => {
    const v = JSON.parse(readFixture('rfc6962', 'consistency', name).toString()) as ConsistencyVector;
    const proof = (v.proof ?? []).map(b64);
    expect(verifyConsistency(v.size1, v.size2, proof, b64(v.root1), b64(v.root2))).toBe(!v.wantErr);
  });
});

describe('plans over stored nodes, for every tree of 1..70 leaves', () => {
  const MAX = 70;
  const inputs = Array.from({ length: MAX }, (_, i) => Uint8Array.of(i, i * 7, 0xee));
  const naive = new NaiveTree(inputs);
  const table = new NodeTable();
  let frontier: Uint8Array[] = [];
  const roots: Uint8Array[] = [emptyRoot()];
  for (let size = 0; size < MAX; size++) {
    const appended = appendLeaves(frontier, size, [leafHash(inputs[size])]);
    table.insert(appended.nodes);
    frontier = appended.frontier;
    roots.push(rootFromFrontier(frontier, appended.size));
  }

  it('stores 2n − popcount(n) nodes, each the MTH of the leaves it covers', () => {
    expect(table.rows.size).toBe(2 * MAX - 3); // 70 = 0b1000110
    for (const [key, hash] of table.rows) {
      const [level, index] = key.split(':').map(Number);
      expect(hex(hash)).toBe(hex(naive.mth(index * 2 ** level, (index + 1) * 2 ** level)));
    }
  });

  it('computes every root from the frontier and from stored nodes', () => {
    for (let size = 0; size <= MAX; size++) {
      const expected = hex(naive.mth(0, size));
      expect(hex(roots[size])).toBe(expected);
      expect(hex(table.resolve(rootPlan(size)))).toBe(expected);
    }
  });

  // Failures are collected rather than asserted one by one: ~2,500 cases × 7 checks each.
  it('builds inclusion proofs equal to PATH that verify, and reject tampering', () => {
    const failures: string[] = [];
    let checked = 0;
    for (let size = 1; size <= MAX; size++) {
      for (let index = 0; index < size; index++) {
        const proof = table.resolve(inclusionProofPlan(index, size));
        const leaf = leafHash(inputs[index]);
        const root = roots[size];
        const tampered = proof.map((p, i) => (i === index % proof.length ? flip(p) : p));
        const checks: Array<[string, boolean]> = [
          ['equals PATH', proof.map(hex).join() === naive.path(index, 0, size).map(hex).join()],
          ['verifies', verifyInclusion(index, size, leaf, proof, root)],
          ['rejects another leaf', !verifyInclusion(index, size, flip(leaf), proof, root)],
          ['rejects another root', !verifyInclusion(index, size, leaf, proof, flip(root))],
          ['rejects a tampered proof', proof.length === 0 || !verifyInclusion(index, size, leaf, tampered, root)],
          ['rejects a shortened proof', proof.length === 0 || !verifyInclusion(index, size, leaf, proof.slice(1), root)],
          ['rejects a lengthened proof', !verifyInclusion(index, size, leaf, [...proof, root], root)],
          ['rejects another index', size === 1 || !verifyInclusion((index + 1) % size, size, leaf, proof, root)],
        ];
        for (const [what, ok] of checks) if (!ok) failures.push(`leaf ${index} of ${size}: ${what}`);
        checked++;
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe((MAX * (MAX + 1)) / 2);
  });

  it('builds consistency proofs equal to PROOF that verify, and reject tampering', () => {
    const failures: string[] = [];
    let checked = 0;
    for (let newSize = 1; newSize <= MAX; newSize++) {
      for (let oldSize = 1; oldSize <= newSize; oldSize++) {
        const proof = table.resolve(consistencyProofPlan(oldSize, newSize));
        const [oldRoot, newRoot] = [roots[oldSize], roots[newSize]];
        const tampered = proof.map((p, i) => (i === oldSize % proof.length ? flip(p) : p));
        const grows = oldSize < newSize;
        const checks: Array<[string, boolean]> = [
          ['equals PROOF', proof.map(hex).join() === naive.subproof(oldSize, 0, newSize, true).map(hex).join()],
          ['verifies', verifyConsistency(oldSize, newSize, proof, oldRoot, newRoot)],
          ['rejects another old root', !verifyConsistency(oldSize, newSize, proof, flip(oldRoot), newRoot)],
          ['rejects another new root', !verifyConsistency(oldSize, newSize, proof, oldRoot, flip(newRoot))],
          ['rejects a tampered proof', proof.length === 0 || !verifyConsistency(oldSize, newSize, tampered, oldRoot, newRoot)],
          ['rejects a shortened proof', proof.length === 0 || !verifyConsistency(oldSize, newSize, proof.slice(0, -1), oldRoot, newRoot)],
          ['rejects a lengthened proof', !grows || !verifyConsistency(oldSize, newSize, [...proof, newRoot], oldRoot, newRoot)],
          ['rejects swapped sizes', !grows || !verifyConsistency(newSize, oldSize, proof, newRoot, oldRoot)],
        ];
        for (const [what, ok] of checks) if (!ok) failures.push(`${oldSize} to ${newSize}: ${what}`);
        checked++;
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe((MAX * (MAX + 1)) / 2);
  });

  it('reads O(log n) nodes per proof', () => {
    table.reads = 0;
    table.resolve(inclusionProofPlan(0, 63));
    expect(table.reads).toBeLessThanOrEqual(2 * 6);
    for (const plan of [inclusionProofPlan(5, 2 ** 40 - 3), consistencyProofPlan(2 ** 39 + 12345, 2 ** 40 - 1), rootPlan(2 ** 45 - 1)]) {
      expect(plan.nodes.length).toBeLessThanOrEqual(2 * 46);
      expect(new Set(plan.nodes.map((n) => nodeKey(n.level, n.index))).size).toBe(plan.nodes.length);
    }
  });
});

describe('appendLeaves', () => {
  const leaves = Array.from({ length: 37 }, (_, i) => leafHash(Uint8Array.of(i)));

  it('gives the same nodes and frontier whether leaves come one by one or in batches', () => {
    const whole = appendLeaves([], 0, leaves);
    let frontier: Uint8Array[] = [];
    let size = 0;
    const nodes: MerkleNode[] = [];
    for (const batch of [1, 2, 5, 8, 0, 13, 8]) {
      const result = appendLeaves(frontier, size, leaves.slice(size, size + batch));
      nodes.push(...result.nodes);
      ({ frontier, size } = result);
    }
    expect(size).toBe(37);
    expect(frontier.map(hex)).toEqual(whole.frontier.map(hex));
    const show = (list: MerkleNode[]): string[] => list.map((n) => `${n.level}:${n.index}:${hex(n.hash)}`);
    expect(show(nodes)).toEqual(show(whole.nodes));
  });

  it('does not modify the frontier it is given', () => {
    const { frontier } = appendLeaves([], 0, leaves.slice(0, 3));
    const before = frontier.map(hex);
    appendLeaves(frontier, 3, leaves.slice(3, 9));
    expect(frontier.map(hex)).toEqual(before);
  });

  it('refuses a frontier that does not fit the size, and hashes that are not 32 bytes', () => {
    expect(() => appendLeaves([], 1, leaves)).toThrow(RangeError);
    expect(() => appendLeaves([leaves[0]], 3, leaves)).toThrow(RangeError);
    expect(() => appendLeaves([], 0, [new Uint8Array(31)])).toThrow(/32 bytes/);
    expect(() => rootFromFrontier([new Uint8Array(32)], 3)).toThrow(RangeError);
    expect(() => appendLeaves([], -1, [])).toThrow(RangeError);
    expect(() => appendLeaves([], 0.5, [])).toThrow(RangeError);
  });

  it('works past 2^32 leaves, where bitwise arithmetic would break', () => {
    const size = 2 ** 32 + 2 ** 31 + 1;
    const frontier = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)];
    const result = appendLeaves(frontier, size, [new Uint8Array(32).fill(4)]);
    expect(result.size).toBe(size + 1);
    expect(result.nodes.map(({ level, index }) => [level, index])).toEqual([
      [0, size],
      [1, (size - 1) / 2],
    ]);
    expect(result.frontier).toHaveLength(3);
    expect(hex(result.frontier[2])).toBe(hex(nodeHash(frontier[2], new Uint8Array(32).fill(4))));
  });
});

describe('subtreeNodes and subtreeHash', () => {
  const show = (start: number, end: number): string[] => subtreeNodes(start, end).map((n) => `${n.level}:${n.index}`);

  it('decomposes ranges the way MTH splits them', () => {
    expect(show(0, 7)).toEqual(['2:0', '1:2', '0:6']);
    expect(show(4, 8)).toEqual(['2:1']);
    expect(show(2, 6)).toEqual(['1:1', '1:2']);
    expect(show(8, 13)).toEqual(['2:2', '0:12']);
    expect(show(5, 6)).toEqual(['0:5']);
    expect(show(2 ** 33, 2 ** 34)).toEqual(['33:1']);
  });

  it('refuses ranges MTH would not split into stored nodes', () => {
    expect(() => subtreeNodes(1, 4)).toThrow(RangeError);
    expect(() => subtreeNodes(3, 3)).toThrow(RangeError);
    expect(() => subtreeNodes(5, 2)).toThrow(RangeError);
  });

  it('folds hashes right to left', () => {
    const [a, b, c] = [1, 2, 3].map((i) => new Uint8Array(32).fill(i));
    expect(hex(subtreeHash([a, b, c]))).toBe(hex(nodeHash(a, nodeHash(b, c))));
    expect(hex(subtreeHash([a]))).toBe(hex(a));
    expect(() => subtreeHash([])).toThrow(RangeError);
  });

  it('fails clearly when a planned node was not fetched', () => {
    expect(() => inclusionProofPlan(2, 5).assemble(new Map())).toThrow(/not fetched/);
  });

  it('refuses impossible proof requests', () => {
    expect(() => inclusionProofPlan(5, 5)).toThrow(RangeError);
    expect(() => consistencyProofPlan(0, 5)).toThrow(/empty tree/);
    expect(() => consistencyProofPlan(6, 5)).toThrow(RangeError);
    expect(consistencyProofPlan(5, 5).nodes).toEqual([]);
    expect(consistencyProofPlan(5, 5).assemble(new Map())).toEqual([]);
    expect(hex(rootPlan(0).assemble(new Map()))).toBe(ROOTS[0]);
  });
});

describe('MemoryMerkleTree', () => {
  it('serves historical roots and proofs and refuses sizes it does not have', () => {
    const tree = new MemoryMerkleTree();
    expect(tree.appendLeafInputs(referenceInputs)).toBe(8);
    expect(hex(tree.leafHash(3))).toBe(NODE_HASHES[0][3]);
    const proof = tree.inclusionProof(2, 5);
    expect(verifyInclusion(2, 5, tree.leafHash(2), proof, fromHex(ROOTS[5]))).toBe(true);
    expect(verifyConsistency(3, 7, tree.consistencyProof(3, 7), fromHex(ROOTS[3]), fromHex(ROOTS[7]))).toBe(true);
    expect(() => tree.root(9)).toThrow(RangeError);
    expect(() => tree.leafHash(8)).toThrow(RangeError);
  });
});

describe('verifiers never throw', () => {
  const [a, b] = [leafHash(Uint8Array.of(1)), leafHash(Uint8Array.of(2))];
  const root = nodeHash(a, b);
  const junk: unknown[] = [null, undefined, -1, 1.5, Number.NaN, 2 ** 60, '1', [], {}, [a, 'x'], new Uint8Array(31), a.subarray(1)];

  it.each<[string, (...args: unknown[]) => boolean, unknown[]]>([
    ['verifyInclusion', verifyInclusion as (...args: unknown[]) => boolean, [1, 2, b, [a], root]],
    ['verifyConsistency', verifyConsistency as (...args: unknown[]) => boolean, [1, 2, [b], a, root]],
  ])('%s returns false when any one argument is malformed', (_name, verify, good) => {
    expect(verify(...good)).toBe(true);
    for (let position = 0; position < good.length; position++) {
      for (const bad of junk) {
        const args = good.slice();
        args[position] = bad;
        expect(verify(...args)).toBe(false);
      }
    }
  });

  it('rejects a consistency proof from the empty tree, as the vectors do', () => {
    expect(verifyConsistency(0, 0, [], emptyRoot(), emptyRoot())).toBe(false);
    expect(verifyConsistency(0, 2, [], emptyRoot(), root)).toBe(false);
  });
});
