import type { ListPage } from '@kw/types';

/**
 * In `listMode: 'auto'`, the pages after the first hold up to this many bytes (or `pageBytes` if
 * larger) instead of `pageBytes`: every page costs a round trip in which the server prepares it
 * before its first byte, while the client, parsing as the body streams in, waits (a collection of
 * up to ~22,000 ConfigMaps loads in two requests, 100k in six). With `pageBytes` 0 every page stays
 * `pageSize`.
 */
export const REST_PAGE_BYTES = 64 * 1024 * 1024;

/** The byte budget of `auto`'s pages after the first given the configured `pageBytes` (see {@link REST_PAGE_BYTES}). */
export function restPageBytes(pageBytes: number): number {
  return pageBytes === 0 ? 0 : Math.max(pageBytes, REST_PAGE_BYTES);
}

/**
 * The `limit` of the LIST page after `page`: as many objects as fit in about `pageBytes` at `page`'s
 * average object size, never fewer than `pageSize`; `pageSize` when `pageBytes` is 0 or the client
 * did not say the page's size.
 *
 * Why grow: kube-apiserver's watch cache serves each page of a paginated LIST in time that grows
 * with the whole collection, not with the page (measured on v1.37: ~23 ms per page at 100k
 * ConfigMaps, ~63 ms at 210k), so pages of a fixed count make a listing quadratic. Pages of a
 * fixed size in bytes keep it linear while bounding what one response holds.
 */
export function nextPageLimit(page: ListPage, pageSize: number, pageBytes: number): number {
  if (pageBytes === 0 || page.bytes === undefined || page.bytes === 0 || page.items.length === 0) return pageSize;
  return Math.max(pageSize, Math.floor((pageBytes * page.items.length) / page.bytes));
}
