import v8 from 'node:v8';

/**
 * Caps how far V8 lets the heap grow between full collections: twice the live heap
 * instead of up to four times. When collecting is cheap, as during a sync (~25 MB live
 * at 100,000 users, the rest page-sized garbage), V8 otherwise grows the old generation
 * to ~130 MB before each full collection, and a 100k-user first sync peaked at ~260 MB
 * RSS; with this it peaks near 200 MB at the same speed (bench/ldap-sync).
 * Call once at process start, before the heap has grown.
 */
export function limitHeapGrowth(): void {
  v8.setFlagsFromString('--heap-growing-percent=100');
}
