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

/** A level of a {@link RemovalTree}: keys to drop here, keys to descend into. */
interface RemovalNode {
  drop: readonly string[];
  dropSet: ReadonlySet<string>;
  descend: readonly (readonly [string, RemovalNode])[];
}

function toNode(tree: RemovalTree): RemovalNode {
  const drop: string[] = [];
  const descend: [string, RemovalNode][] = [];
  for (const [key, child] of tree) {
    if (child === true) drop.push(key);
    else descend.push([key, toNode(child)]);
  }
  return { drop, dropSet: new Set(drop), descend };
}

/** Whether `value` (not an array: elements are never removed) has a key `node` drops. */
function hasAnyOwn(value: Container, node: RemovalNode): boolean {
  if (node.drop.length === 0 || Array.isArray(value)) return false;
  for (const key of node.drop) if (Object.hasOwn(value, key)) return true;
  return false;
}

/** Removes along `node` without touching `value`: copies only the levels on a removed path. */
function removeCopying(value: unknown, node: RemovalNode): unknown {
  if (!isContainer(value)) return value;
  let copy = hasAnyOwn(value, node) ? copyWithout(value, node.dropSet) : undefined;
  for (const [key, child] of node.descend) {
    if (!Object.hasOwn(value, key)) continue;
    const before = value[key];
    const after = removeCopying(before, child);
    if (after !== before) {
      copy ??= shallowClone(value);
      copy[key] = after;
    }
  }
  return copy ?? value;
}

/** Descends in place, assigning back every child that was replaced by a fresh copy. */
function descendInPlace(value: Container, node: RemovalNode): void {
  for (const [key, child] of node.descend) {
    if (!Object.hasOwn(value, key)) continue;
    const before = value[key];
    const after = removeInPlace(before, child);
    if (after !== before) value[key] = after;
  }
}

/**
 * Removes along `node` below `value` in place, and returns `value` — or, when `value` itself has keys
 * to drop, a fresh copy without them. `delete` would turn V8 objects into slower, larger
 * dictionary-mode objects; a copy built key by key keeps fast properties.
 */
function removeInPlace(value: unknown, node: RemovalNode): unknown {
  if (!isContainer(value)) return value;
  descendInPlace(value, node);
  return hasAnyOwn(value, node) ? copyWithout(value, node.dropSet) : value;
}

/** A copy of `value`'s own enumerable string-keyed properties except `drop`, with the same prototype. */
function copyWithout(value: Container, drop: ReadonlySet<string>): Container {
  const proto: unknown = Object.getPrototypeOf(value);
  const plain = proto === Object.prototype || proto === null;
  const out = (plain ? {} : Object.create(proto as object)) as Container;
  for (const key in value) {
    if (drop.has(key) || (!plain && !Object.hasOwn(value, key))) continue;
    out[key] = value[key];
  }
  return out;
}

/**
 * Compiles the removal of `paths` (property keys of plain paths). Without `mutate` the
 * returned function is copy-on-write: it shallow-clones only the objects on a removed path,
 * shares every other subtree, and returns its argument itself when nothing was removed. An object
 * losing a key is copied key by key without it, never `delete`d from (which would switch V8 objects
 * to slower, larger dictionary mode). With
 * `mutate` it changes its argument and returns it: each object that loses a key is replaced (in its
 * parent) by such a copy; only keys of the argument itself are `delete`d. Array elements are never removed.
 */
export function compileFieldRemover<T>(paths: readonly (readonly PathKey[])[], mutate: boolean): (obj: T) => T {
  if (paths.length === 0) return (obj) => obj;
  const root = toNode(buildTree(paths));
  if (mutate) {
    return (obj) => {
      if (!isContainer(obj)) return obj;
      descendInPlace(obj, root);
      if (!Array.isArray(obj)) {
        for (const key of root.drop) if (Object.hasOwn(obj, key)) delete obj[key];
      }
      return obj;
    };
  }
  return (obj) => removeCopying(obj, root) as T;
}
