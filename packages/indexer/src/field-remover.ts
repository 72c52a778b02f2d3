import type { PathKey } from './json-path';

/** Paths to remove, as a tree: `true` marks a key to delete, a map a key to descend into. */
type RemovalTree = Map<string, RemovalTree | true>;

function buildTree(paths: readonly (readonly PathKey[])[]): RemovalTree {
  const root: RemovalTree = new Map();
  for (const keys of paths) {
    let node = root;
    for (let i = 0; i < keys.length; i++) {
      const key = String(keys[i]); // `0` and `'0'` address the same property
      const existing = node.get(key);
      if (existing === true) break; // an ancestor is removed already
      if (i === keys.length - 1) {
        node.set(key, true);
      } else {
        const child: RemovalTree = existing ?? new Map();
        node.set(key, child);
        node = child;
      }
    }
  }
  return root;
}

type Container = Record<string, unknown>;

/** A shallow copy that keeps the prototype (so class instances stay instances). */
function shallowClone(value: object): Container {
  if (Array.isArray(value)) return value.slice() as unknown as Container;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return { ...value } as Container;
  return Object.assign(Object.create(proto as object) as object, value) as Container;
}

const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

/** Removes along `tree` without touching `value`: clones only the levels on a removed path. */
function removeCopying(value: unknown, tree: RemovalTree): unknown {
  if (!isContainer(value)) return value;
  let copy: Container | undefined;
  for (const [key, child] of tree) {
    if (!Object.hasOwn(value, key)) continue;
    if (child === true) {
      if (Array.isArray(value)) continue;
      copy ??= shallowClone(value);
      delete copy[key];
    } else {
      const before = value[key];
      const after = removeCopying(before, child);
      if (after !== before) {
        copy ??= shallowClone(value);
        copy[key] = after;
      }
    }
  }
  return copy ?? value;
}

function removeInPlace(value: unknown, tree: RemovalTree): void {
  if (!isContainer(value)) return;
  for (const [key, child] of tree) {
    if (!Object.hasOwn(value, key)) continue;
    if (child === true) {
      if (!Array.isArray(value)) delete value[key];
    } else {
      removeInPlace(value[key], child);
    }
  }
}

/**
 * Compiles the removal of `paths` (property keys of plain paths). Without `mutate` the
 * returned function is copy-on-write: it shallow-clones only the objects on a removed path,
 * shares every other subtree, and returns its argument itself when nothing was removed. With
 * `mutate` it deletes in place and returns its argument. Array elements are never removed.
 */
export function compileFieldRemover<T>(paths: readonly (readonly PathKey[])[], mutate: boolean): (obj: T) => T {
  if (paths.length === 0) return (obj) => obj;
  const tree = buildTree(paths);
  if (mutate) {
    return (obj) => {
      removeInPlace(obj, tree);
      return obj;
    };
  }
  return (obj) => removeCopying(obj, tree) as T;
}
