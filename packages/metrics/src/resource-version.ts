/**
 * The gauge value of a resourceVersion: its 15 least significant decimal digits, as client-go's
 * `informer_store_resource_version` (a float64 holds 15 digits exactly). `undefined` when the
 * resourceVersion is not a decimal number (it is opaque; etcd-backed servers use integers).
 */
export function resourceVersionValue(resourceVersion: string): number | undefined {
  if (!/^\d{1,}$/.test(resourceVersion)) return undefined;
  return Number(resourceVersion.length > 15 ? resourceVersion.slice(-15) : resourceVersion);
}
