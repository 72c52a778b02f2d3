/**
 * Watch decoding: 10k realistic ConfigMap MODIFIED events (~2.7 KB each) in 64 KB chunks.
 * One iteration decodes the whole stream; events/s = hz × 10 000, MB/s = hz × stream MB.
 */
import { describe, test } from 'vitest';
import { WatchDecoder } from '../src/index';

const EVENTS = 10_000;
const CHUNK = 64 * 1024;

function configMapEvent(i: number): string {
  const object = {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: {
      name: `app-config-${i}`,
      namespace: `team-${i % 20}`,
      uid: `5f0c6a2e-${String(i).padStart(4, '0')}-4b7e-9d3c-1a2b3c4d5e6f`,
      resourceVersion: String(100_000 + i),
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: { 'app.kubernetes.io/name': `app-${i % 50}`, 'app.kubernetes.io/part-of': 'shop', tier: 'backend' },
      annotations: { 'kw.example/owner': 'platform-team', 'kw.example/revision': String(i) },
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2025-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { '.': {}, 'f:application.yaml': {}, 'f:feature-flags': {} } },
        },
      ],
    },
    data: {
      'application.yaml': `server:\n  port: 8080\n  replicas: ${i % 7}\n${'  setting: value-with-some-length-to-look-real\n'.repeat(40)}`,
      'feature-flags': 'checkout=true,search=false,recommendations=true,ünïcödé=✓',
    },
  };
  return `${JSON.stringify({ type: 'MODIFIED', object })}\n`;
}

const stream = Buffer.from(Array.from({ length: EVENTS }, (_, i) => configMapEvent(i)).join(''));
const chunks: Buffer[] = [];
for (let offset = 0; offset < stream.length; offset += CHUNK) chunks.push(stream.subarray(offset, offset + CHUNK));

console.log(
  `decoder bench: ${EVENTS} events, ${(stream.length / EVENTS / 1024).toFixed(2)} KiB/event, ${(stream.length / 1e6).toFixed(1)} MB in ${chunks.length} chunks of 64 KiB`,
);

function kwDecoder(): number {
  const decoder = new WatchDecoder();
  let count = 0;
  for (const chunk of chunks) count += decoder.push(chunk).length;
  count += decoder.end().length;
  if (count !== EVENTS) throw new Error(`decoded ${count} events`);
  return count;
}

function naiveDecoder(): number {
  let pending = '';
  let count = 0;
  for (const chunk of chunks) {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.length > 0) {
        JSON.parse(line);
        count++;
      }
    }
  }
  if (count !== EVENTS) throw new Error(`decoded ${count} events`);
  return count;
}

const RUN = { time: 3000, warmupTime: 500 };
const MB = stream.length / 1e6;

describe(`decode ${EVENTS} ConfigMap watch events (${MB.toFixed(1)} MB, 64 KiB chunks)`, () => {
  test('WatchDecoder vs naive string decoder', async ({ bench, annotate }) => {
    const kw = 'WatchDecoder (Buffer lines, one JSON.parse per event)';
    const naive = 'naive (string += chunk; split("\\n"))';
    const results = await bench.compare(bench(kw, kwDecoder), bench(naive, naiveDecoder), RUN);
    for (const name of [kw, naive] as const) {
      const { throughput } = results.get(name);
      const perSecond = throughput.mean;
      const line = `${name}: ${Math.round(perSecond * EVENTS).toLocaleString('en-US')} events/s, ${(perSecond * MB).toFixed(0)} MB/s`;
      console.log(line);
      await annotate(line);
    }
  });
});
