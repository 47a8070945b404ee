// Trees of leaves: plain objects and arrays nesting leaves (parameters, optimizer state).
// Paths are dot-joined keys ("layers.0.weight"), the naming checkpoints use.

export type Tree<L> = L | readonly Tree<L>[] | { readonly [key: string]: Tree<L> };

/** Flatten to [path, leaf] pairs in key order; `isLeaf` decides what counts as a leaf. */
export function treeFlatten<L>(tree: Tree<L>, isLeaf: (x: unknown) => x is L, prefix = ''): [string, L][] {
  if (isLeaf(tree)) return [[prefix, tree]];
  const out: [string, L][] = [];
  const entries = Array.isArray(tree) ? tree.map((v, i) => [String(i), v] as const) : Object.entries(tree as object);
  for (const [k, v] of entries) out.push(...treeFlatten(v as Tree<L>, isLeaf, prefix ? `${prefix}.${k}` : k));
  return out;
}

/** A tree of the same structure with every leaf replaced by `fn(leaf, path)`. */
export function treeMap<L, M>(tree: Tree<L>, isLeaf: (x: unknown) => x is L, fn: (leaf: L, path: string) => M, prefix = ''): Tree<M> {
  if (isLeaf(tree)) return fn(tree, prefix);
  if (Array.isArray(tree)) return tree.map((v, i) => treeMap(v as Tree<L>, isLeaf, fn, prefix ? `${prefix}.${i}` : String(i)));
  const out: { [key: string]: Tree<M> } = {};
  for (const [k, v] of Object.entries(tree as object)) out[k] = treeMap(v as Tree<L>, isLeaf, fn, prefix ? `${prefix}.${k}` : k);
  return out;
}
